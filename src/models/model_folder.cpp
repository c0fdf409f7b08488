#include "models/model_folder.h"

#include <filesystem>

#include "formats/safetensors.h"
#include "formats/torch_checkpoint.h"
#include "vivid/vivid.h"

namespace vivid {
namespace fs = std::filesystem;

ModelFolder locate_model_folder(const std::string& dir) {
    if (!fs::is_directory(dir)) throw Error(dir, "is not a model folder");
    const fs::path d(dir);
    ModelFolder folder;
    folder.dir = dir;
    folder.config_path = (d / kConfigFile).string();
    if (!fs::exists(folder.config_path))
        throw Error(folder.config_path, "missing (every model folder needs config.json)");
    for (const char* name : {kWeightsFile, kShardedWeightsIndex, kTorchWeightsFile}) {
        if (fs::exists(d / name)) {
            folder.weights_path = (d / name).string();
            break;
        }
    }
    if (fs::exists(d / kPreprocessorConfigFile)) folder.preprocessor_path = (d / kPreprocessorConfigFile).string();
    return folder;
}

TensorMap read_folder_weights(const ModelFolder& folder) {
    if (folder.weights_path.empty())
        throw Error(folder.dir, "no model.safetensors, model.safetensors.index.json or pytorch_model.bin in this folder");
    const std::string name = fs::path(folder.weights_path).filename().string();
    if (name == kWeightsFile) return read_safetensors(folder.weights_path);
    if (name == kShardedWeightsIndex) return read_safetensors_index(folder.weights_path);
    return read_torch_state_dict(folder.weights_path).tensors;
}

}  // namespace vivid
