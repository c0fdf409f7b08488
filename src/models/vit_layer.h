// The pre-norm transformer block shared by ViViT and VideoMAE (encoder and decoder):
//   x = x + dense_out(attention(layernorm_before(x)))
//   x = x + output(act(intermediate(layernorm_after(x))))
// The residual adds and the activation run inside the linear layers' epilogues.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/model_kernels.h"
#include "models/weight_reader.h"
#include "core/tensor.h"

namespace vivid {

struct VitLayerShape {
    int64_t hidden = 0;
    int64_t heads = 0;
    int64_t intermediate = 0;
    float layer_norm_eps = 0;
    kernels::Activation activation = kernels::Activation::Gelu;
};

// Activation buffers reused across layers and calls (they only grow: core/grow_buffer.h).
struct VitWorkspace {
    std::vector<float> normed, qkv, context, mlp;
    std::vector<uint16_t> normed_bf16, mlp_bf16;  // the bf16 path's product inputs
    std::vector<uint8_t> normed_u8;               // the int8 path's LayerNorm output
    std::vector<uint8_t> mlp_u8;                  // fc2's input (fc1's GELU output quantized)
    std::vector<uint8_t> context_u8;              // the attention output as the output projection's input
    std::vector<float> row_stats;                 // its per-row mean and 1/std
    enum class Inputs { F32, Bf16, U8 };           // what LayerNorm writes for the next product
    void reserve(int64_t rows, const VitLayerShape& shape, Inputs inputs);
};

enum class QkvBias { Separate, QAndVOnly, None };

class VitLayer {
public:
    // `prefix` like "vivit.encoder.layer.3.". q, k and v are one layer where the kernels pack
    // weights anyway (ModelKernels::fuse_qkv); else three over the weights in place (fusing them
    // would copy a quarter of the model), writing side by side into one buffer.
    static VitLayer load(const WeightReader& weights, const std::string& prefix, const VitLayerShape& shape,
                         QkvBias bias, const ModelKernels& kernels);

    // x: (batch*tokens, hidden) in place.
    void forward(const ModelKernels& kernels, const VitLayerShape& shape, float* x, int64_t batch, int64_t tokens,
                 VitWorkspace& ws);
    // The same block computed for the first token of each clip only (all tokens are still
    // keys and values): x is read, first (batch, hidden) receives the block's output rows.
    // Exact for a head that reads only that token (ViViT's classifier reads CLS).
    void forward_first_token(const ModelKernels& kernels, const VitLayerShape& shape, const float* x,
                             int64_t batch, int64_t tokens, float* first, VitWorkspace& ws);

private:
    // bf16 path: LayerNorm writes the products' bf16 input, fc1 writes fc2's (no conversion passes).
    bool bf16_inputs(const ModelKernels& kernels) const {
        return kernels.set->layer_norm_bf16 && qkv_ && qkv_->takes_bf16() && fc1_->takes_bf16();
    }
    // int8 path: LayerNorm writes q/k/v's and fc1's u8 input with its scale (no quantization pass).
    bool u8_inputs(const ModelKernels& kernels) const {
        return kernels.set->layer_norm_u8 && kernels.set->quantize_u8 && qkv_ && qkv_->takes_u8() &&
               fc1_->takes_u8() && out_->takes_u8() && fc2_->takes_u8();
    }
    VitWorkspace::Inputs inputs(const ModelKernels& kernels) const {
        return bf16_inputs(kernels) ? VitWorkspace::Inputs::Bf16
               : u8_inputs(kernels) ? VitWorkspace::Inputs::U8
                                    : VitWorkspace::Inputs::F32;
    }
    // LayerNorm of x into ws.normed_u8, returning its scale and zero point.
    std::pair<float, int32_t> layer_norm_u8(const ModelKernels& kernels, const VitLayerShape& shape, const float* x,
                                            const Tensor& weight, const Tensor& bias, int64_t rows, VitWorkspace& ws);
    // n floats of x into q by KernelSet::quantize_u8, returning the scale and zero point.
    static std::pair<float, int32_t> quantize_u8(const ModelKernels& kernels, const float* x, uint8_t* q, int64_t n);
    // y (rows, hidden) += the output projection of ws.context.
    void output_rows(const ModelKernels& kernels, const VitLayerShape& shape, float* y, int64_t rows, VitWorkspace& ws);
    void forward_qkv(VitWorkspace& ws, int64_t rows, int64_t hidden);
    void attention_rows(const ModelKernels& kernels, const VitLayerShape& shape, const float* x, int64_t batch,
                        int64_t tokens, int64_t query_rows, VitWorkspace& ws);
    void mlp_rows(const ModelKernels& kernels, const VitLayerShape& shape, float* x, int64_t rows, VitWorkspace& ws);

    Tensor ln_before_w_, ln_before_b_, ln_after_w_, ln_after_b_;
    std::unique_ptr<kernels::Linear> qkv_, q_, k_, v_, out_, fc1_, fc2_;  // qkv_ or q_, k_, v_
};

}  // namespace vivid
