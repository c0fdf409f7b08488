// simd_kernels_impl.inc compiled for AVX2 + FMA (this file is built with -mavx2 -mfma).
#define VIVID_SIMD_BYTES 32
#define VIVID_SIMD_NAMESPACE avx2
#define VIVID_SIMD_ISA "avx2"
#include "kernels/simd/simd_kernels_impl.inc"
