// simd_kernels_impl.inc compiled for AVX-512 (this file is built with -mavx512f -mavx512bw
// -mavx512dq -mavx512vl); only called after the CPU was checked for those features.
#define VIVID_SIMD_BYTES 64
#define VIVID_SIMD_NAMESPACE avx512
#define VIVID_SIMD_ISA "avx512"
#include "kernels/simd/simd_kernels_impl.inc"
