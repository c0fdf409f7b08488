// vexp_nonpositive as the avx512 kernels build it (see softmax_exp_kernels.h).
#define VIVID_SIMD_BYTES 64
#define VIVID_EXP_FUNCTION exp_nonpositive_avx512
#include "kernels/softmax_exp_kernel.inc"
