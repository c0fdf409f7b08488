// The architecture of a Scenic ViViT factorised-encoder (Model 2) checkpoint, read from its own
// tensor shapes. Scenic's config files do not always describe the released files (a report on
// the Scenic tracker: ViViT-B/16x2 FE has 12 temporal layers where its config says 4), so the
// checkpoint is the authority and a stated config is only checked against it.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "formats/model_config.h"

namespace vivid {

// True when the source names are Scenic Model 2's (SpatialTransformer / TemporalTransformer).
bool is_factorised_encoder_checkpoint(const TensorMap& source);

// Layer counts from each encoder's encoderblock_* names, heads and head size from its query
// kernel (D, H, dh), MLP widths from Dense_0 kernels, tubelet and channels from
// embedding/kernel (t, h, w, C, D), T' and h'w' from the two position tables (square frames:
// image = sqrt(h'w' * h * w), frames = T' * t), classes from output_projection (labels LABEL_i).
// Throws Error naming `checkpoint` when a tensor it needs is missing or of another shape.
VivitConfig read_factorised_architecture(const TensorMap& source, const std::string& checkpoint);

// One line per architecture field where `stated` differs from `checkpoint`, e.g.
// "num_temporal_layers is 4 but the checkpoint has 12 temporal layers". Labels are not compared.
std::vector<std::string> architecture_differences(const VivitConfig& stated, const VivitConfig& checkpoint);

// Copies the fields architecture_differences compares from `from` into `into`; labels, heads,
// activation and LayerNorm epsilon stay `into`'s.
void take_architecture(VivitConfig& into, const VivitConfig& from);

}  // namespace vivid
