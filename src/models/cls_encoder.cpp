#include "models/cls_encoder.h"

#include <cstring>


namespace vivid {

ClsEncoder ClsEncoder::load(const WeightReader& w, const ClsEncoderNames& names, int64_t tokens, int64_t layers,
                            const VitLayerShape& shape, QkvBias bias, const ModelKernels& k) {
    ClsEncoder e;
    const int64_t d = shape.hidden;
    e.shape_ = shape;
    e.tokens_ = tokens;
    e.cls_ = w.view(names.cls_token, {1, 1, d});
    e.pos_ = w.view(names.position_embeddings, {1, tokens, d});
    for (int64_t i = 0; i < layers; ++i)
        e.layers_.push_back(VitLayer::load(w, names.layer_prefix + std::to_string(i) + ".", shape, bias, k));
    e.final_norm_ = LayerNormWeights::load(w, names.final_norm, d);
    return e;
}

void ClsEncoder::begin(float* x, int64_t batch) const {
    const int64_t d = shape_.hidden;
    const float* pos = pos_.data<float>();
    const float* cls = cls_.data<float>();
    for (int64_t b = 0; b < batch; ++b) {
        float* row = x + b * tokens_ * d;
        for (int64_t j = 0; j < d; ++j) row[j] = cls[j] + pos[j];
        std::memcpy(row + d, pos + d, static_cast<std::size_t>((tokens_ - 1) * d) * sizeof(float));
    }
}

void ClsEncoder::run(const ModelKernels& k, float* x, int64_t batch, float* cls_out, VitWorkspace& ws) {
    const int64_t d = shape_.hidden;
    const int64_t last = static_cast<int64_t>(layers_.size()) - 1;
    for (int64_t i = 0; i < last; ++i) layers_[i].forward(k, shape_, x, batch, tokens_, ws);
    if (last >= 0) {
        layers_[last].forward_first_token(k, shape_, x, batch, tokens_, cls_out, ws);
    } else {
        for (int64_t b = 0; b < batch; ++b)
            std::memcpy(cls_out + b * d, x + b * tokens_ * d, static_cast<std::size_t>(d) * sizeof(float));
    }
    final_norm_.apply(k, cls_out, batch, shape_.layer_norm_eps);
}

double ClsEncoder::flops(int64_t batch) const {
    return static_cast<double>(layers_.size()) * static_cast<double>(batch) * vit_layer_flops(shape_, tokens_);
}

}  // namespace vivid
