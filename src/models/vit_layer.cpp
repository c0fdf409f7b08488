#include "models/vit_layer.h"

#include <cmath>
#include <cstring>

#include "core/grow_buffer.h"
#include "kernels/int8_quantization.h"

namespace vivid {

void VitWorkspace::reserve(int64_t rows, const VitLayerShape& s, Inputs inputs) {
    grow_to(qkv, rows * 3 * s.hidden);
    grow_to(context, rows * s.hidden);
    if (inputs == Inputs::Bf16) {
        grow_to(normed_bf16, rows * s.hidden);
        grow_to(mlp_bf16, rows * s.intermediate);
    } else if (inputs == Inputs::U8) {
        grow_to(normed_u8, rows * s.hidden);
        grow_to(row_stats, 2 * rows);
        grow_to(mlp, rows * s.intermediate);
        grow_to(mlp_u8, rows * s.intermediate);
        grow_to(context_u8, rows * s.hidden);
    } else {
        grow_to(normed, rows * s.hidden);
        grow_to(mlp, rows * s.intermediate);
    }
}

namespace {

// Three (rows, cols) tensors one under the other (undefined ones as zeros); all undefined:
// undefined. For q/k/v as one layer, whose fp32 copy lives only until the weights are packed.
Tensor stack_rows(const Tensor (&parts)[3], int64_t rows, int64_t cols) {
    if (!parts[0].defined() && !parts[1].defined() && !parts[2].defined()) return Tensor();
    Tensor out = Tensor::uninitialized(DType::F32, cols == 1 ? Shape{3 * rows} : Shape{3 * rows, cols});
    float* dst = out.data_mut<float>();
    for (const Tensor& part : parts) {
        if (part.defined())
            std::memcpy(dst, part.data<float>(), sizeof(float) * rows * cols);
        else
            std::memset(dst, 0, sizeof(float) * rows * cols);
        dst += rows * cols;
    }
    return out;
}

}  // namespace

VitLayer VitLayer::load(const WeightReader& w, const std::string& prefix, const VitLayerShape& s, QkvBias bias,
                        const ModelKernels& kernels) {
    using kernels::Epilogue;
    const int64_t d = s.hidden;
    VitLayer l;
    // The layer kind in the implementation log: encoder or decoder block.
    const std::string kind = prefix.find("decoder") != std::string::npos ? "decoder." : "encoder.";
    const std::string attn = prefix + "attention.attention.";
    Tensor weights[3], biases[3];
    const char* names[3] = {"query", "key", "value"};
    for (int i = 0; i < 3; ++i) {
        weights[i] = w.view(attn + names[i] + ".weight", {d, d});
        if (bias == QkvBias::Separate) biases[i] = w.view(attn + names[i] + ".bias", {d});
        // VideoMAE: q_bias and v_bias parameters; the key has no bias (HF adds zeros).
        if (bias == QkvBias::QAndVOnly && i != 1) biases[i] = w.view(attn + (i == 0 ? "q_bias" : "v_bias"), {d});
    }
    if (kernels.fuse_qkv()) {
        l.qkv_ = kernels.linear(kind + "attention.qkv", stack_rows(weights, d, d), stack_rows(biases, d, 1));
        for (const Tensor& part : weights) part.release_file_pages();  // the layer holds its own copy
    } else {
        std::unique_ptr<kernels::Linear>* parts[3] = {&l.q_, &l.k_, &l.v_};
        for (int i = 0; i < 3; ++i) *parts[i] = kernels.linear(kind + "attention." + names[i], weights[i], biases[i]);
    }
    // Weights before biases, one statement each: a wrong shape is reported for the weight.
    Tensor out_w = w.view(prefix + "attention.output.dense.weight", {d, d});
    l.out_ = kernels.linear(kind + "attention.output", out_w, w.view(prefix + "attention.output.dense.bias", {d}),
                            Epilogue::BiasResidual);
    l.ln_before_w_ = w.view(prefix + "layernorm_before.weight", {d});
    l.ln_before_b_ = w.view(prefix + "layernorm_before.bias", {d});
    l.ln_after_w_ = w.view(prefix + "layernorm_after.weight", {d});
    l.ln_after_b_ = w.view(prefix + "layernorm_after.bias", {d});
    Tensor fc1_w = w.view(prefix + "intermediate.dense.weight", {s.intermediate, d});
    l.fc1_ = kernels.linear(kind + "mlp.intermediate", fc1_w,
                            w.view(prefix + "intermediate.dense.bias", {s.intermediate}), Epilogue::BiasActivation,
                            s.activation);
    Tensor fc2_w = w.view(prefix + "output.dense.weight", {d, s.intermediate});
    l.fc2_ = kernels.linear(kind + "mlp.output", fc2_w, w.view(prefix + "output.dense.bias", {d}),
                            Epilogue::BiasResidual);
    return l;
}

// ws.qkv <- [q | k | v] of the float32 rows in ws.normed.
void VitLayer::forward_qkv(VitWorkspace& ws, int64_t rows, int64_t d) {
    if (qkv_) {
        qkv_->forward(ws.normed.data(), ws.qkv.data(), rows);
        return;
    }
    q_->forward(ws.normed.data(), ws.qkv.data(), rows, 3 * d);
    k_->forward(ws.normed.data(), ws.qkv.data() + d, rows, 3 * d);
    v_->forward(ws.normed.data(), ws.qkv.data() + 2 * d, rows, 3 * d);
}

// ws.context <- attention output for the first `query_rows` tokens of each clip.
void VitLayer::attention_rows(const ModelKernels& k, const VitLayerShape& s, const float* x, int64_t batch,
                              int64_t tokens, int64_t query_rows, VitWorkspace& ws) {
    const int64_t rows = batch * tokens, d = s.hidden;
    if (bf16_inputs(k)) {
        k.set->layer_norm_bf16(x, ln_before_w_.data<float>(), ln_before_b_.data<float>(), ws.normed_bf16.data(), rows,
                               d, s.layer_norm_eps);
        qkv_->forward_bf16(ws.normed_bf16.data(), true, ws.qkv.data(), false, rows);
    } else if (u8_inputs(k)) {
        const auto [scale, zero] = layer_norm_u8(k, s, x, ln_before_w_, ln_before_b_, rows, ws);
        qkv_->forward_u8(ws.normed_u8.data(), scale, zero, ws.qkv.data(), rows);
    } else {
        k.set->layer_norm(x, ln_before_w_.data<float>(), ln_before_b_.data<float>(), ws.normed.data(), rows, d,
                          s.layer_norm_eps);
        forward_qkv(ws, rows, d);
    }
    const int64_t head_dim = d / s.heads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    k.set->attention(ws.qkv.data(), ws.context.data(), batch, tokens, query_rows, s.heads, head_dim, scale);
}

std::pair<float, int32_t> VitLayer::quantize_u8(const ModelKernels& k, const float* x, uint8_t* q, int64_t n) {
    float scale = 1.0f;
    int32_t zero = 0;
    k.set->quantize_u8(x, q, n, kernels::int8_input_levels(), &scale, &zero);
    return {scale, zero};
}

// y (rows, hidden) += out(context): context quantized by our kernel right after attention wrote it.
void VitLayer::output_rows(const ModelKernels& k, const VitLayerShape& s, float* y, int64_t rows, VitWorkspace& ws) {
    if (!u8_inputs(k)) {
        out_->forward(ws.context.data(), y, rows);
        return;
    }
    const auto [scale, zero] = quantize_u8(k, ws.context.data(), ws.context_u8.data(), rows * s.hidden);
    out_->forward_u8(ws.context_u8.data(), scale, zero, y, rows);
}

std::pair<float, int32_t> VitLayer::layer_norm_u8(const ModelKernels& k, const VitLayerShape& s, const float* x,
                                                  const Tensor& weight, const Tensor& bias, int64_t rows,
                                                  VitWorkspace& ws) {
    float scale = 1.0f;
    int32_t zero = 0;
    k.set->layer_norm_u8(x, weight.data<float>(), bias.data<float>(), ws.normed_u8.data(), rows, s.hidden,
                         s.layer_norm_eps, kernels::int8_input_levels(), ws.row_stats.data(), &scale, &zero);
    return {scale, zero};
}

// x (rows, hidden) += fc2(act(fc1(layernorm_after(x)))).
void VitLayer::mlp_rows(const ModelKernels& k, const VitLayerShape& s, float* x, int64_t rows, VitWorkspace& ws) {
    if (bf16_inputs(k)) {
        k.set->layer_norm_bf16(x, ln_after_w_.data<float>(), ln_after_b_.data<float>(), ws.normed_bf16.data(), rows,
                               s.hidden, s.layer_norm_eps);
        fc1_->forward_bf16(ws.normed_bf16.data(), true, ws.mlp_bf16.data(), true, rows);
        fc2_->forward_bf16(ws.mlp_bf16.data(), true, x, false, rows);
        return;
    }
    if (u8_inputs(k)) {
        const auto [scale, zero] = layer_norm_u8(k, s, x, ln_after_w_, ln_after_b_, rows, ws);
        // fc1's GELU output quantized by our kernel, right after oneDNN wrote it. Measured on Zen 4
        // (VideoMAE-B, 2 threads): the scalar int8_quantize_input this replaces took 5.2 % of the
        // forward, this 1.4 %. Blocks of rows kept in cache between fc1 and fc2 (each block its own
        // scale) were slower still: smaller products and more thread barriers cost more than the
        // memory traffic they saved.
        fc1_->forward_u8(ws.normed_u8.data(), scale, zero, ws.mlp.data(), rows);
        const auto [mlp_scale, mlp_zero] = quantize_u8(k, ws.mlp.data(), ws.mlp_u8.data(), rows * s.intermediate);
        fc2_->forward_u8(ws.mlp_u8.data(), mlp_scale, mlp_zero, x, rows);
        return;
    }
    k.set->layer_norm(x, ln_after_w_.data<float>(), ln_after_b_.data<float>(), ws.normed.data(), rows, s.hidden,
                      s.layer_norm_eps);
    fc1_->forward(ws.normed.data(), ws.mlp.data(), rows);
    fc2_->forward(ws.mlp.data(), x, rows);
}

void VitLayer::forward(const ModelKernels& k, const VitLayerShape& s, float* x, int64_t batch, int64_t tokens,
                       VitWorkspace& ws) {
    const int64_t rows = batch * tokens;
    ws.reserve(rows, s, inputs(k));
    attention_rows(k, s, x, batch, tokens, tokens, ws);
    output_rows(k, s, x, rows, ws);
    mlp_rows(k, s, x, rows, ws);
}

void VitLayer::forward_first_token(const ModelKernels& k, const VitLayerShape& s, const float* x, int64_t batch,
                                   int64_t tokens, float* first, VitWorkspace& ws) {
    ws.reserve(batch * tokens, s, inputs(k));
    attention_rows(k, s, x, batch, tokens, 1, ws);
    for (int64_t b = 0; b < batch; ++b) std::memcpy(first + b * s.hidden, x + b * tokens * s.hidden, s.hidden * sizeof(float));
    output_rows(k, s, first, batch, ws);
    mlp_rows(k, s, first, batch, ws);
}

}  // namespace vivid
