#include "models/vit_layer.h"

#include <cmath>
#include <cstring>

namespace vivid {

void VitWorkspace::reserve(int64_t rows, const VitLayerShape& s) {
    auto grow = [](std::vector<float>& v, int64_t n) {
        if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<std::size_t>(n));
    };
    grow(normed, rows * s.hidden);
    grow(qkv, rows * 3 * s.hidden);
    grow(context, rows * s.hidden);
    grow(mlp, rows * s.intermediate);
}

VitLayer VitLayer::load(const WeightReader& w, const std::string& prefix, const VitLayerShape& s,
                        QkvBias bias) {
    const int64_t d = s.hidden;
    VitLayer l;
    const std::string attn = prefix + "attention.attention.";
    l.qkv_w = Tensor::zeros(DType::F32, {3 * d, d});
    l.qkv_b = Tensor::zeros(DType::F32, {3 * d});
    const char* names[3] = {"query", "key", "value"};
    for (int i = 0; i < 3; ++i) {
        Tensor part = w.take(attn + names[i] + ".weight", {d, d});
        std::memcpy(l.qkv_w.data_mut<float>() + i * d * d, part.data<float>(), d * d * sizeof(float));
        Tensor b;
        if (bias == QkvBias::Separate) b = w.take(attn + names[i] + ".bias", {d});
        // VideoMAE: q_bias and v_bias parameters; the key bias is zeros.
        if (bias == QkvBias::QAndVOnly && i != 1) b = w.take(attn + (i == 0 ? "q_bias" : "v_bias"), {d});
        if (b.defined()) std::memcpy(l.qkv_b.data_mut<float>() + i * d, b.data<float>(), d * sizeof(float));
    }
    l.out_w = w.take(prefix + "attention.output.dense.weight", {d, d});
    l.out_b = w.take(prefix + "attention.output.dense.bias", {d});
    l.ln_before_w = w.take(prefix + "layernorm_before.weight", {d});
    l.ln_before_b = w.take(prefix + "layernorm_before.bias", {d});
    l.ln_after_w = w.take(prefix + "layernorm_after.weight", {d});
    l.ln_after_b = w.take(prefix + "layernorm_after.bias", {d});
    l.fc1_w = w.take(prefix + "intermediate.dense.weight", {s.intermediate, d});
    l.fc1_b = w.take(prefix + "intermediate.dense.bias", {s.intermediate});
    l.fc2_w = w.take(prefix + "output.dense.weight", {d, s.intermediate});
    l.fc2_b = w.take(prefix + "output.dense.bias", {d});
    return l;
}

static void add_in_place(float* x, const float* y, int64_t n) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void VitLayer::forward(const kernels::KernelSet& k, const VitLayerShape& s, float* x, int64_t batch,
                       int64_t tokens, VitWorkspace& ws) const {
    const int64_t rows = batch * tokens;
    const int64_t d = s.hidden;
    ws.reserve(rows, s);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d / s.heads));

    k.layer_norm(x, ln_before_w.data<float>(), ln_before_b.data<float>(), ws.normed.data(), rows, d,
                 s.layer_norm_eps);
    k.linear(ws.normed.data(), qkv_w.data<float>(), qkv_b.data<float>(), ws.qkv.data(), rows, 3 * d, d);
    k.attention(ws.qkv.data(), ws.context.data(), batch, tokens, s.heads, d / s.heads, scale);
    k.linear(ws.context.data(), out_w.data<float>(), out_b.data<float>(), ws.normed.data(), rows, d, d);
    add_in_place(x, ws.normed.data(), rows * d);

    k.layer_norm(x, ln_after_w.data<float>(), ln_after_b.data<float>(), ws.normed.data(), rows, d,
                 s.layer_norm_eps);
    k.linear(ws.normed.data(), fc1_w.data<float>(), fc1_b.data<float>(), ws.mlp.data(), rows,
             s.intermediate, d);
    k.activation(s.activation, ws.mlp.data(), rows * s.intermediate);
    k.linear(ws.mlp.data(), fc2_w.data<float>(), fc2_b.data<float>(), ws.normed.data(), rows, d,
             s.intermediate);
    add_in_place(x, ws.normed.data(), rows * d);
}

}  // namespace vivid
