// Layout changes the conversion rules apply. Each returns a contiguous tensor holding exactly
// the source's values (bit for bit), only moved.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace vivid {

// out[i0..] = in[...] with out axis k taken from input axis perm[k] (numpy.transpose).
Tensor permute(const Tensor& t, const std::vector<int>& perm);
// Rows [part*n/parts, (part+1)*n/parts) of the first axis: a view sharing the source's
// storage (no copy) when the source is contiguous.
Tensor split_rows(const Tensor& t, int64_t parts, int64_t part);
// out[i] = t[rows[i]] along the first axis (numpy's t[rows]); rows must be in range.
Tensor gather_rows(const Tensor& t, const std::vector<int64_t>& rows);

}  // namespace vivid
