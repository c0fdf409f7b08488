// Crossing the public API: vivid::Array (plain vectors the caller owns) <-> the library's
// Tensor. Inputs are viewed without a copy for the length of a call; outputs are copied out.
#pragma once

#include <string>

#include "core/tensor.h"
#include "vivid/vivid.h"

namespace vivid {

// A read-only view of the caller's values; valid while `array` lives. An array whose value
// count does not match its shape is an Error naming `what`.
Tensor view_of(const FloatArray& array, const std::string& what);
Tensor view_of(const ByteArray& array, const std::string& what);
Tensor view_of(const IndexArray& array, const std::string& what);
Tensor view_of(const FloatView& view, const std::string& what);
Tensor view_of(const ByteView& view, const std::string& what);

// Copies out, converting to the array's element type (bf16/f16 widened, bool as 0/1, I32 widened).
FloatArray float_array(const Tensor& tensor);
ByteArray byte_array(const Tensor& tensor);
IndexArray index_array(const Tensor& tensor);

}  // namespace vivid
