// The Hugging Face model folder layout, in one place: which files a folder holds and how
// its weights are found (model.safetensors, a sharded index, or pytorch_model.bin).
#pragma once

#include <optional>
#include <string>

#include "core/tensor.h"
#include "formats/model_config.h"

namespace vivid {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kWeightsFile = "model.safetensors";
inline constexpr const char* kShardedWeightsIndex = "model.safetensors.index.json";
inline constexpr const char* kTorchWeightsFile = "pytorch_model.bin";
inline constexpr const char* kPreprocessorConfigFile = "preprocessor_config.json";

struct ModelFolder {
    std::string dir;
    std::string config_path;                        // config.json
    std::string weights_path;                       // the weights file used; empty if none
    std::optional<std::string> preprocessor_path;   // preprocessor_config.json when present
};

// Finds a folder's files; an Error naming the folder or a missing config.json.
ModelFolder locate_model_folder(const std::string& dir);

// The folder's weights (views into the mapped file where the format allows); an Error naming
// the folder when it has no weights file.
TensorMap read_folder_weights(const ModelFolder& folder);

}  // namespace vivid
