// Converting original checkpoints (Scenic ViViT Flax msgpack, MCG-NJU VideoMAE torch.save)
// into Hugging Face model folders, tensor for tensor what transformers' converters produce.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "vivid/vivid.h"
#include "core/tensor.h"

namespace vivid {

struct ConvertedModel {
    ModelConfig config;
    // HF names, the checkpoint's values in its own float type (fp16 for VideoMAE V2's files; the
    // saved folder holds them widened to float32, as HF's converters save).
    TensorMap weights;
    std::string config_json;
    std::string preprocessor_json;
    std::string architecture;
    std::vector<std::string> warnings;
};

// Reads the checkpoint, applies the source's rule table and checks the result against the
// config the way HF's strict load_state_dict does (every weight present with its shape,
// nothing left over). Throws vivid::Error naming the file and the problem.
ConvertedModel convert_checkpoint(const ConvertOptions& options);

// The same on tensors already read (source names as the checkpoint has them); `options.checkpoint`
// only names the source in errors.
ConvertedModel convert_state(const ConvertOptions& options, const TensorMap& source);

// Writes model.safetensors, config.json and preprocessor_config.json into `dir` atomically
// (temporary folder beside it, fsync, rename). A non-empty `dir` needs `force`.
void save_hf_folder(const ConvertedModel& model, const std::string& dir, bool force);

}  // namespace vivid
