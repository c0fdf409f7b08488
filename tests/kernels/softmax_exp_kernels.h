// vexp_nonpositive (simd/simd_vector_basics.inc), the attention kernels' softmax exp, built for
// each vector width in its own file with that width's flags, run over an array for the test.
#pragma once

#include <cstdint>

namespace vivid::kernels::test {

void exp_nonpositive_avx2(const float* x, float* y, int64_t n);  // n a multiple of 8
void exp_nonpositive_avx512(const float* x, float* y, int64_t n);  // n a multiple of 16; AVX-512 CPUs only

}  // namespace vivid::kernels::test
