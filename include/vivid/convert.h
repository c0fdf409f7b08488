// Converting original checkpoints (Scenic ViViT Flax msgpack, MCG-NJU VideoMAE torch.save)
// into Hugging Face model folders, tensor for tensor what transformers' converters produce.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vivid/model.h"
#include "vivid/model_config.h"
#include "vivid/tensor.h"

namespace vivid {

enum class CheckpointFormat { VivitFlax, VideoMAEPth };

// "vivit-flax" or "videomae-pth"; anything else -> Error.
CheckpointFormat parse_checkpoint_format(const std::string& name);

struct ConvertRequest {
    CheckpointFormat from = CheckpointFormat::VideoMAEPth;
    std::string checkpoint;
    std::string model_name;                // a preset (see `vivid convert --list-presets`)
    std::string config_path;               // or an HF-style config.json
    std::string preprocessor_config_path;  // optional; else the preset's or the HF default
};

struct ConvertedModel {
    ModelConfig config;
    TensorMap weights;  // HF names, float32 as in the checkpoint
    std::string config_json;
    std::string preprocessor_json;
    std::string architecture;
    std::vector<std::string> warnings;
};

// Reads the checkpoint, applies the source's rule table and checks the result against the
// config the way HF's strict load_state_dict does (every weight present with its shape,
// nothing left over). Throws vivid::Error naming the file and the problem.
ConvertedModel convert_checkpoint(const ConvertRequest& request);

// The same on tensors already read (source names as the checkpoint has them); `request.checkpoint`
// only names the source in errors.
ConvertedModel convert_state(const ConvertRequest& request, const TensorMap& source);

// Writes model.safetensors, config.json and preprocessor_config.json into `dir` atomically
// (temporary folder beside it, fsync, rename). A non-empty `dir` needs `force`.
void save_hf_folder(const ConvertedModel& model, const std::string& dir, bool force);

}  // namespace vivid
