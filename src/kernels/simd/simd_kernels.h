// Hand-vectorised kernels that oneDNN 2.6 does not offer (fused attention) or offers only with
// an extra pass (LayerNorm). One source, simd_kernels_impl.inc, is compiled once per instruction
// set (AVX2+FMA, AVX-512); the best one this CPU runs is picked at run time, so a binary built
// on any machine never executes an instruction the CPU lacks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vivid::kernels {

struct SimdKernels {
    const char* isa;  // "avx2" or "avx512"
    // Row-wise LayerNorm (biased variance, eps inside the square root); x and y may alias.
    void (*layer_norm)(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                       int64_t dim, float eps);
    // The same, y as bf16 bits (round to nearest even): the bf16 path's matrix product input.
    void (*layer_norm_bf16)(const float* x, const float* gamma, const float* beta, unsigned short* y, int64_t rows,
                            int64_t dim, float eps);
    // Floats of workspace that attention() needs for this shape on `threads` threads.
    int64_t (*attention_workspace_floats)(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                          int64_t head_dim, int threads);
    // softmax(q k^T * scale) v for packed rows qkv[(b*tokens + t), 3*heads*head_dim] = [q | k | v].
    // Only the first `query_rows` tokens of each clip are queried (all keys are used); out is
    // (batch*query_rows, heads*head_dim). The tokens x tokens score matrix is never formed.
    void (*attention)(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows,
                      int64_t heads, int64_t head_dim, float scale, float* workspace, int threads);
    // The same LayerNorm as u8 with one scale and zero point for the whole output, chosen in the
    // same call (int8_quantization.h's input format, `levels` steps): the int8 path's product
    // input without a quantization pass. stats: 2 * rows floats of workspace.
    void (*layer_norm_u8)(const float* x, const float* gamma, const float* beta, unsigned char* y, int64_t rows,
                          int64_t dim, float eps, float levels, float* stats, float* scale, int* zero);
    // x[0, n) as u8 in that format with one scale and zero point for all of it, found in the
    // same call: for a tensor another kernel has just written (fc1's GELU output, attention's).
    void (*quantize_u8)(const float* x, unsigned char* q, int64_t n, float levels, float* scale, int* zero);
};

// The widest kernels this CPU supports (AVX-512 when it has AVX512F/BW/DQ/VL, else AVX2).
const SimdKernels& simd_kernels();
// Every kernel set this CPU can run, widest first (tests check each one).
std::vector<const SimdKernels*> runnable_simd_kernels();

}  // namespace vivid::kernels
