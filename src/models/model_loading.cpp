#include "kernels/cpu_features.h"
#include "kernels/simd/attention_tiles.h"
#include "kernels/simd/simd_kernels.h"
#include "models/model_parts.h"
#include "vivid/vivid.h"
#include "models/model_folder.h"

namespace vivid {

bool ModelKernels::fuse_qkv() const {
    if (set == &kernels::shape_check_kernels() || set == &kernels::reference_kernels()) return false;  // copy nothing
    return precision != Precision::F32 || kernels::cpu_features().avx512;
}

namespace {

// Attention and LayerNorm are vivid's own kernels: they go to the log under their names.
void record_vector_kernels(const ModelKernels& k) {
    if (k.set == &kernels::shape_check_kernels()) return;
    if (k.set == &kernels::reference_kernels()) {
        k.log->record("attention", "vivid:reference");
        k.log->record("layer_norm", "vivid:reference");
        return;
    }
    const std::string isa = std::string("vivid:") + kernels::simd_kernels().isa;
    k.log->record("attention", k.set == &kernels::optimized_amx_int8_kernels() ? "vivid:amx_int8"
                               : k.set == &kernels::optimized_amx_kernels()    ? "vivid:amx_bf16"
                               : k.set == &kernels::optimized_bf16_kernels() ? "vivid:avx512_bf16"
                               : k.set == &kernels::optimized_int8_kernels() ? "vivid:avx512_vnni_int8"
                                                                             : isa + ":fp32");
    k.log->record("layer_norm", isa + ":fp32");
}

}  // namespace

std::unique_ptr<VideoModel> build_model(const ModelConfig& config, const TensorMap& weights,
                                        const std::string& weights_source, KernelChoice choice,
                                        std::vector<std::string>* unused_weights, Precision precision) {
    const kernels::KernelSet* set = choice == KernelChoice::Reference    ? &kernels::reference_kernels()
                                    : choice == KernelChoice::ShapeCheck ? &kernels::shape_check_kernels()
                                                                         : &kernels::optimized_kernels();
    // bf16: attention on the matrix units too (AMX tiles, else AVX512-BF16 dot products).
    // int8: on VNNI int8 dot products where the CPU has them; else the bf16 path's attention
    // where there is one (never fp32 on a CPU with faster hardware: issue [16]).
    if (set == &kernels::optimized_kernels() && precision != Precision::F32) {
        if (precision == Precision::INT8 && kernels::amx_int8_attention_usable())
            set = &kernels::optimized_amx_int8_kernels();
        else if (kernels::amx_attention_usable())
            set = &kernels::optimized_amx_kernels();
        else if (precision == Precision::INT8 && kernels::cpu_features().avx512_vnni)
            set = &kernels::optimized_int8_kernels();
        else if (kernels::cpu_features().avx512_bf16)
            set = &kernels::optimized_bf16_kernels();
    }
    const ModelKernels k{set, precision};
    WeightReader reader(weights, weights_source);
    std::unique_ptr<VideoModel> model;
    if (const auto* v = std::get_if<VivitConfig>(&config))
        model = v->factorised_encoder ? make_vivit_factorised_model(*v, reader, k) : make_vivit_model(*v, reader, k);
    else
        model = make_videomae_model(std::get<VideoMAEConfig>(config), reader, k);
    if (unused_weights) *unused_weights = reader.untaken();
    record_vector_kernels(k);
    model->implementation_log = k.log;
    return model;
}

TensorMap load_model_weights(const std::string& dir, std::string& source) {
    const ModelFolder folder = locate_model_folder(dir);
    source = folder.weights_path;
    return read_folder_weights(folder);
}

std::unique_ptr<VideoModel> load_model(const std::string& dir, KernelChoice choice, Precision precision) {
    const ModelFolder folder = locate_model_folder(dir);
    const ModelConfig config = load_model_config(folder.config_path);
    const TensorMap weights = read_folder_weights(folder);
    return build_model(config, weights, folder.weights_path, choice, nullptr, precision);
}

}  // namespace vivid
