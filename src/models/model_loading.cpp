#include <filesystem>

#include "models/model_parts.h"
#include "vivid/error.h"
#include "vivid/safetensors.h"

#if __has_include("vivid/torch_checkpoint.h")
#include "vivid/torch_checkpoint.h"
#define VIVID_HAVE_TORCH_READER 1
#endif

namespace vivid {
namespace fs = std::filesystem;

std::unique_ptr<VideoModel> build_model(const ModelConfig& config, const TensorMap& weights,
                                        const std::string& weights_source, KernelChoice choice,
                                        std::vector<std::string>* unused_weights, Precision precision) {
    const ModelKernels k{
        choice == KernelChoice::Reference ? &kernels::reference_kernels() : &kernels::optimized_kernels(), precision};
    WeightReader reader(weights, weights_source);
    std::unique_ptr<VideoModel> model;
    if (const auto* v = std::get_if<VivitConfig>(&config))
        model = make_vivit_model(*v, reader, k);
    else
        model = make_videomae_model(std::get<VideoMAEConfig>(config), reader, k);
    if (unused_weights) *unused_weights = reader.untaken();
    return model;
}

TensorMap load_model_weights(const std::string& dir, std::string& source) {
    const fs::path d(dir);
    if (fs::exists(d / "model.safetensors")) {
        source = (d / "model.safetensors").string();
        return read_safetensors(source);
    }
    if (fs::exists(d / "model.safetensors.index.json")) {
        source = (d / "model.safetensors.index.json").string();
        return read_safetensors_index(source);
    }
    if (fs::exists(d / "pytorch_model.bin")) {
        source = (d / "pytorch_model.bin").string();
#ifdef VIVID_HAVE_TORCH_READER
        return read_torch_state_dict(source).tensors;
#else
        throw Error(source, "pytorch_model.bin folders are not supported in this build");
#endif
    }
    throw Error(dir, "no model.safetensors, model.safetensors.index.json or pytorch_model.bin in this folder");
}

std::unique_ptr<VideoModel> load_model(const std::string& dir, KernelChoice choice, Precision precision) {
    if (!fs::is_directory(dir)) throw Error(dir, "is not a model folder");
    const fs::path config_path = fs::path(dir) / "config.json";
    if (!fs::exists(config_path)) throw Error(config_path.string(), "missing (every model folder needs config.json)");
    ModelConfig config = load_model_config(config_path.string());
    std::string source;
    TensorMap weights = load_model_weights(dir, source);
    return build_model(config, weights, source, choice, nullptr, precision);
}

}  // namespace vivid
