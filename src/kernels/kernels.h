// The kernel layer: every numeric primitive the models use, behind one table so a faster
// implementation swaps in without touching the models. `reference_kernels()` is plain,
// obviously-correct C++ that tests trust; `optimized_kernels()` is what runs by default.
#pragma once

#include <cstdint>
#include <string>

namespace vivid::kernels {

enum class Activation { Gelu, GeluFast, GeluNew, GeluPytorchTanh, QuickGelu, Relu, Silu };

// Maps an HF hidden_act name; unknown names throw vivid::Error naming `source`.
Activation parse_activation(const std::string& name, const std::string& source);

struct KernelSet {
    const char* name;
    // y[M,N] = x[M,K] * w[N,K]^T + bias[N] (torch Linear layout; bias may be null).
    void (*linear)(const float* x, const float* w, const float* bias, float* y, int64_t m,
                   int64_t n, int64_t k);
    // Row-wise LayerNorm over `dim` (biased variance, eps inside the square root).
    void (*layer_norm)(const float* x, const float* gamma, const float* beta, float* y,
                       int64_t rows, int64_t dim, float eps);
    // In place, elementwise.
    void (*activation)(Activation act, float* x, int64_t n);
    // Multi-head self-attention over packed rows qkv[(b*tokens + t), 3*heads*head_dim]
    // = [q | k | v]; writes out[(b*tokens + t), heads*head_dim]. softmax(q k^T * scale) v.
    void (*attention)(const float* qkv, float* out, int64_t batch, int64_t tokens,
                      int64_t heads, int64_t head_dim, float scale);
};

const KernelSet& reference_kernels();
const KernelSet& optimized_kernels();

}  // namespace vivid::kernels
