// A whole file mapped read-only into memory; tensors read from it are zero-copy views.
#pragma once

#include <memory>
#include <string>

#include "core/tensor.h"

namespace vivid {

// Maps `path` read-only. Throws vivid::Error naming the file when it cannot be opened.
// An empty file yields a valid storage of size 0.
std::shared_ptr<Storage> map_file(const std::string& path);

}  // namespace vivid
