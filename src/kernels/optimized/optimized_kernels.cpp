// Default kernels: linear layers on oneDNN's matmul primitive with fused epilogues, LayerNorm
// and fused attention from our own vector kernels (AVX2 or AVX-512, chosen at run time).
#include <omp.h>

#include <vector>

#include "core/grow_buffer.h"
#include "kernels/kernels.h"
#include "kernels/linear.h"
#include "kernels/simd/attention_bf16.h"
#include "kernels/simd/attention_int8.h"
#include "kernels/simd/attention_tiles.h"
#include "kernels/simd/simd_kernels.h"

namespace vivid::kernels {
namespace {

void opt_layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t dim,
                    float eps) {
    simd_kernels().layer_norm(x, gamma, beta, y, rows, dim, eps);
}

void opt_layer_norm_bf16(const float* x, const float* gamma, const float* beta, uint16_t* y, int64_t rows,
                         int64_t dim, float eps) {
    simd_kernels().layer_norm_bf16(x, gamma, beta, y, rows, dim, eps);
}

void opt_layer_norm_u8(const float* x, const float* gamma, const float* beta, uint8_t* y, int64_t rows, int64_t dim,
                       float eps, float levels, float* stats, float* scale, int32_t* zero) {
    simd_kernels().layer_norm_u8(x, gamma, beta, y, rows, dim, eps, levels, stats, scale, zero);
}

void opt_quantize_u8(const float* x, uint8_t* q, int64_t n, float levels, float* scale, int32_t* zero) {
    simd_kernels().quantize_u8(x, q, n, levels, scale, zero);
}

// One attention kernel's workspace sizing and entry point, as simd/ declares them.
using WorkspaceFloats = int64_t (*)(int64_t, int64_t, int64_t, int64_t, int64_t, int);
using AttentionKernel = void (*)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, float, float*, int);

// Runs `kernel` on this thread's workspace, grown once to the largest shape seen.
void run_attention(WorkspaceFloats floats, AttentionKernel kernel, const float* qkv, float* out, int64_t batch,
                   int64_t tokens, int64_t query_rows, int64_t heads, int64_t head_dim, float scale) {
    const int threads = omp_get_max_threads();
    static thread_local std::vector<float> workspace;
    grow_to(workspace, floats(batch, tokens, query_rows, heads, head_dim, threads));
    kernel(qkv, out, batch, tokens, query_rows, heads, head_dim, scale, workspace.data(), threads);
}

void opt_attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                   int64_t head_dim, float scale) {
    const SimdKernels& simd = simd_kernels();
    run_attention(simd.attention_workspace_floats, simd.attention, qkv, out, batch, tokens, query_rows, heads,
                  head_dim, scale);
}

void opt_attention_bf16(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows,
                        int64_t heads, int64_t head_dim, float scale) {
    run_attention(avx512_bf16::attention_workspace_floats, avx512_bf16::attention, qkv, out, batch, tokens,
                  query_rows, heads, head_dim, scale);
}

void opt_attention_int8(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows,
                        int64_t heads, int64_t head_dim, float scale) {
    run_attention(avx512_vnni::attention_workspace_floats, avx512_vnni::attention, qkv, out, batch, tokens,
                  query_rows, heads, head_dim, scale);
}

void opt_attention_amx(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows,
                       int64_t heads, int64_t head_dim, float scale) {
    run_attention(amx_tiles::attention_workspace_floats, amx_tiles::attention, qkv, out, batch, tokens, query_rows,
                  heads, head_dim, scale);
}

void opt_attention_amx_int8(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows,
                            int64_t heads, int64_t head_dim, float scale) {
    run_attention(amx_int8_tiles::attention_workspace_floats, amx_int8_tiles::attention, qkv, out, batch, tokens,
                  query_rows, heads, head_dim, scale);
}

}  // namespace

const KernelSet& optimized_kernels() {
    static const KernelSet set{"optimized",   make_onednn_linear, opt_layer_norm, opt_layer_norm_bf16,
                               opt_attention, opt_layer_norm_u8, opt_quantize_u8};
    return set;
}

const KernelSet& optimized_bf16_kernels() {
    static const KernelSet set{"optimized-bf16", make_onednn_linear, opt_layer_norm, opt_layer_norm_bf16,
                               opt_attention_bf16, opt_layer_norm_u8, opt_quantize_u8};
    return set;
}

const KernelSet& optimized_int8_kernels() {
    static const KernelSet set{"optimized-int8", make_onednn_linear, opt_layer_norm, opt_layer_norm_bf16,
                               opt_attention_int8, opt_layer_norm_u8, opt_quantize_u8};
    return set;
}

const KernelSet& optimized_amx_kernels() {
    static const KernelSet set{"optimized-amx", make_onednn_linear, opt_layer_norm, opt_layer_norm_bf16,
                               opt_attention_amx, opt_layer_norm_u8, opt_quantize_u8};
    return set;
}

const KernelSet& optimized_amx_int8_kernels() {
    static const KernelSet set{"optimized-amx-int8", make_onednn_linear, opt_layer_norm, opt_layer_norm_bf16,
                               opt_attention_amx_int8, opt_layer_norm_u8, opt_quantize_u8};
    return set;
}

}  // namespace vivid::kernels
