#include "models/model_parts.h"

namespace vivid {

LayerNormWeights LayerNormWeights::load(const WeightReader& w, const std::string& prefix, int64_t dim) {
    return {w.view(prefix + "weight", {dim}), w.view(prefix + "bias", {dim}), dim};
}

void LayerNormWeights::apply(const ModelKernels& k, float* x, int64_t rows, float eps) const {
    k.set->layer_norm(x, weight.data<float>(), bias.data<float>(), x, rows, dim, eps);
}

std::unique_ptr<kernels::Linear> load_linear(const WeightReader& w, const std::string& prefix, int64_t out, int64_t in,
                                             const ModelKernels& k, bool has_bias) {
    Tensor weight = w.view(prefix + "weight", {out, in});  // before the bias: its shape error comes first
    std::string kind = prefix;
    if (!kind.empty() && kind.back() == '.') kind.pop_back();
    return k.linear(kind, weight, has_bias ? w.view(prefix + "bias", {out}) : Tensor());
}

Tensor apply_linear(kernels::Linear& linear, const float* x, int64_t rows) {
    Tensor y = Tensor::uninitialized(DType::F32, {rows, linear.out()});
    linear.forward(x, y.data_mut<float>(), rows);
    return y;
}

ModelOutputs classifier_outputs(kernels::Linear& classifier, const Tensor& features) {
    ModelOutputs out;
    out.logits = apply_linear(classifier, features.data<float>(), features.size(0));
    return out;
}

double vit_layer_flops(const VitLayerShape& s, int64_t tokens) {
    const double n = static_cast<double>(tokens), d = static_cast<double>(s.hidden);
    const double projections = 2.0 * n * (4.0 * d * d + 2.0 * d * static_cast<double>(s.intermediate));
    return projections + 4.0 * n * n * d;  // + q k^T and p v
}

}  // namespace vivid
