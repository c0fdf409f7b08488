// NumPy .npy arrays: format versions 1-3, C order, little-endian dtypes
// uint8 '|u1', bool '|b1', float32 '<f4', int32 '<i4', int64 '<i8'.
#pragma once

#include <memory>
#include <string>

#include "core/tensor.h"

namespace vivid {

// Reads a .npy file. The tensor is a zero-copy view of the mapped file when its data is
// aligned. Anything unsupported (Fortran order, big-endian, other dtypes, object arrays,
// truncated data) -> vivid::Error naming the file and the problem.
Tensor read_npy(const std::string& path);

// Parses .npy bytes held by `bytes`; `source` names them in errors.
Tensor parse_npy(std::shared_ptr<Storage> bytes, const std::string& source);

// Writes `t` as a version 1.0 .npy file (atomically).
void write_npy(const std::string& path, const Tensor& t);

}  // namespace vivid
