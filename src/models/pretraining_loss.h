#pragma once

#include <vector>

#include "formats/model_config.h"
#include "core/tensor.h"

namespace vivid {

// VideoMAEForPreTraining's loss exactly as HF computes it (FINDINGS.md): frames are
// un-normalised with the ImageNet mean/std (not the processor's), patchified in
// (t, p_h, p_w, C) order, optionally normalised per patch and channel
// ((x - mean) / (unbiased std + 1e-6)), and the masked patches compared with the
// reconstruction by mean squared error. Returns a float32 tensor of shape [1].
Tensor pretraining_loss(const VideoMAEConfig& config, const Tensor& pixel_values,
                        const std::vector<std::vector<int64_t>>& masked, const Tensor& logits);

}  // namespace vivid
