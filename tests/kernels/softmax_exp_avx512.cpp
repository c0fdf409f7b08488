// vexp_nonpositive as the avx512 kernels build it (see softmax_exp_kernels.h).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/softmax_exp_kernels.h"

namespace vivid::kernels::test {
namespace {
#define VIVID_SIMD_BYTES 64
constexpr int W = VIVID_SIMD_BYTES / 4;
#include "kernels/simd/simd_vector_basics.inc"
}  // namespace

void exp_nonpositive_avx512(const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; i += W) store(y + i, vexp_nonpositive(load(x + i)));
}

}  // namespace vivid::kernels::test
