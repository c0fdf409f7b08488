#pragma once

#include <cstdint>
#include <vector>

namespace vivid {

// VideoMAE's fixed position table, (positions, dim) row-major: computed in double as the
// original numpy code does (pos / 10000^(2*(j//2)/dim), sin on even j, cos on odd j), then
// cast to float32 like torch.FloatTensor.
std::vector<float> sinusoid_table(int64_t positions, int64_t dim);

}  // namespace vivid
