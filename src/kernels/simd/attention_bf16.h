// Fused attention on AVX512-BF16 dot products (attention_bf16_avx512.cpp), the bf16 path's
// attention. Same contract as SimdKernels::attention; call only where cpu_features().avx512_bf16.
#pragma once

#include <cstdint>

namespace vivid::kernels::avx512_bf16 {

int64_t attention_workspace_floats(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                   int64_t head_dim, int threads);
void attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
               int64_t head_dim, float scale, float* workspace, int threads);

}  // namespace vivid::kernels::avx512_bf16
