// Fused attention on int8 dot products (u8 x s8 summed in int32: VNNI's vpdpbusd), for
// `--precision int8`. Same contract as SimdKernels::attention; call only where
// cpu_features().avx512_vnni. The number format, which the tests reproduce independently:
//   k, v   per (clip, head) symmetric s8: x ~ s * q, s = max|x| / 127, q = round(x / s)
//          (round(x * (127 / max|x|)) in float, half to even, clamped to [-127, 127])
//   q      per query row and head the same, stored as q + 128 in u8; the 128 * sum_c k[j][c]
//          that this adds to every score is subtracted exactly, in int32
//   S      = (q . k as integers) * s_q * s_k * scale, in fp32; softmax in fp32 over whole rows
//          (every key of the row is scored before exp, so the row max is exact)
//   P      = round(255 * exp(S - rowmax)) in u8 (a fixed scale of 1/255: probabilities lie
//          in [0, 1]); the row sum is taken over these integers, so the weights used sum to one
//   O      = (P . v as integers) * s_v / rowsum
#pragma once

#include <cstdint>

namespace vivid::kernels::avx512_vnni {

int64_t attention_workspace_floats(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                   int64_t head_dim, int threads);
void attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
               int64_t head_dim, float scale, float* workspace, int threads);

}  // namespace vivid::kernels::avx512_vnni
