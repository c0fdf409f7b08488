// Buffers that only grow: the forward reuses them across layers and calls, because a fresh
// large allocation (glibc maps 32 MB and more anew) page-faults on every use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vivid {

// Makes `buffer` hold at least `n` elements, keeping it when it already does.
template <typename T>
void grow_to(std::vector<T>& buffer, int64_t n) {
    if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(static_cast<std::size_t>(n));
}

}  // namespace vivid
