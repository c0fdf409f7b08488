// Masks for VideoMAE pre-training when none is given: VideoMAE's tube masking (the same
// spatial patches hidden in every temporal slice, as the original TubeMaskingGenerator).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace vivid {

// uint8 (batch, time_slices * patches_per_slice), 1 = masked. Each slice masks
// int(ratio * patches_per_slice) patches (the original's rounding), chosen at random from
// `seed`; every sample gets its own pattern. ratio must be in [0, 1).
Tensor tube_mask(int64_t batch, int64_t time_slices, int64_t patches_per_slice, double ratio, uint64_t seed);

}  // namespace vivid
