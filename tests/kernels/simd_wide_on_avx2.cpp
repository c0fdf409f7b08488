// The AVX-512 kernels' logic (16-float vectors: 32-key panels, 32-column value blocks, their
// tails) compiled for AVX2, where GCC splits each 512-bit vector operation in two. Lets a CPU
// without AVX-512 test every line the AVX-512 build runs; kernels_test.cpp checks it with the rest.
#define VIVID_SIMD_BYTES 64
#define VIVID_SIMD_NAMESPACE wide_on_avx2
#define VIVID_SIMD_ISA "avx512-logic-on-avx2"
#include "kernels/simd/simd_kernels_impl.inc"
