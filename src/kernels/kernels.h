// The kernel layer: every numeric primitive the models use, behind one table so a faster
// implementation swaps in without touching the models. `reference_kernels()` is plain,
// obviously-correct C++ that tests trust; `optimized_kernels()` is what runs by default.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace vivid {
enum class Precision;
}

namespace vivid::kernels {

using vivid::Precision;

enum class Activation { Gelu, GeluFast, GeluNew, GeluPytorchTanh, QuickGelu, Relu, Silu };

// Maps an HF hidden_act name; unknown names throw vivid::Error naming `source`.
Activation parse_activation(const std::string& name, const std::string& source);

struct LinearSpec;
class Linear;

struct KernelSet {
    const char* name;
    // A linear layer prepared once (see kernels/linear.h).
    std::unique_ptr<Linear> (*make_linear)(LinearSpec spec, Precision precision);
    // Row-wise LayerNorm over `dim` (biased variance, eps inside the square root); x may be y.
    void (*layer_norm)(const float* x, const float* gamma, const float* beta, float* y,
                       int64_t rows, int64_t dim, float eps);
    // The same LayerNorm written as bf16 bits, for the bf16 path (nullptr: this set has none).
    void (*layer_norm_bf16)(const float* x, const float* gamma, const float* beta, uint16_t* y, int64_t rows,
                            int64_t dim, float eps);
    // Multi-head self-attention over packed rows qkv[(b*tokens + t), 3*heads*head_dim]
    // = [q | k | v]: softmax(q k^T * scale) v for the first `query_rows` tokens of each clip
    // (all tokens are keys); writes out[(b*query_rows + t), heads*head_dim].
    void (*attention)(const float* qkv, float* out, int64_t batch, int64_t tokens,
                      int64_t query_rows, int64_t heads, int64_t head_dim, float scale);
    // The same LayerNorm written as u8 with one scale and zero point over the whole output, chosen
    // in the same call (int8_quantization.h's input format in `levels` steps), for the int8 path's
    // next product (nullptr: this set has none). stats: 2 * rows floats of workspace.
    void (*layer_norm_u8)(const float* x, const float* gamma, const float* beta, uint8_t* y, int64_t rows,
                          int64_t dim, float eps, float levels, float* stats, float* scale, int32_t* zero) = nullptr;
    // x[0, n) as u8 in that format, with its scale and zero point found in the same call: the
    // int8 path's product input from a tensor another kernel has just written (nullptr: none).
    void (*quantize_u8)(const float* x, uint8_t* q, int64_t n, float levels, float* scale, int32_t* zero) = nullptr;
};

const KernelSet& reference_kernels();
const KernelSet& optimized_kernels();
// The same with attention on AVX512-BF16 dot products (bf16 inputs, fp32 softmax and
// accumulation): the bf16 path's set where cpu_features().avx512_bf16.
const KernelSet& optimized_bf16_kernels();
// The same with attention on AVX512-VNNI int8 dot products (simd/attention_int8.h: u8 x s8,
// fp32 softmax, int32 accumulation): the int8 path's set where cpu_features().avx512_vnni.
const KernelSet& optimized_int8_kernels();
// The same with attention on AMX tiles (simd/attention_tiles.h): the bf16 path's set where
// amx_attention_usable().
const KernelSet& optimized_amx_kernels();
// The same with int8 attention on AMX tiles (simd/attention_tiles_int8.inc): the int8 path's set
// where amx_int8_attention_usable().
const KernelSet& optimized_amx_int8_kernels();
// Builds a model's structure without preparing any kernel (see shape_check_kernels.cpp).
const KernelSet& shape_check_kernels();

}  // namespace vivid::kernels
