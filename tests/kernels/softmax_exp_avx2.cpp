// vexp_nonpositive as the avx2 kernels build it (see softmax_exp_kernels.h).
#define VIVID_SIMD_BYTES 32
#define VIVID_EXP_FUNCTION exp_nonpositive_avx2
#include "kernels/softmax_exp_kernel.inc"
