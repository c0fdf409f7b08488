// The pre-norm transformer block shared by ViViT and VideoMAE (encoder and decoder):
//   x = x + dense_out(attention(layernorm_before(x)))
//   x = x + output(act(intermediate(layernorm_after(x))))
#pragma once

#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "models/weight_reader.h"
#include "vivid/tensor.h"

namespace vivid {

struct VitLayerShape {
    int64_t hidden = 0;
    int64_t heads = 0;
    int64_t intermediate = 0;
    float layer_norm_eps = 0;
    kernels::Activation activation = kernels::Activation::Gelu;
};

// Activation buffers reused across layers and calls; large fresh allocations page-fault
// badly, so they only grow.
struct VitWorkspace {
    std::vector<float> normed, qkv, context, mlp;
    void reserve(int64_t rows, const VitLayerShape& shape);
};

enum class QkvBias { Separate, QAndVOnly, None };

struct VitLayer {
    Tensor ln_before_w, ln_before_b, qkv_w, qkv_b, out_w, out_b;
    Tensor ln_after_w, ln_after_b, fc1_w, fc1_b, fc2_w, fc2_b;

    // `prefix` like "vivit.encoder.layer.3."; q/k/v weights are fused into one (3D, D) matrix.
    static VitLayer load(const WeightReader& weights, const std::string& prefix,
                         const VitLayerShape& shape, QkvBias bias);

    // x: (batch*tokens, hidden) in place.
    void forward(const kernels::KernelSet& k, const VitLayerShape& shape, float* x, int64_t batch,
                 int64_t tokens, VitWorkspace& ws) const;
};

}  // namespace vivid
