#include "models/model_parts.h"

#include <vector>

namespace vivid {

LayerNormWeights LayerNormWeights::load(const WeightReader& w, const std::string& prefix, int64_t dim) {
    return {w.take(prefix + "weight", {dim}), w.take(prefix + "bias", {dim}), dim};
}

void LayerNormWeights::apply(const kernels::KernelSet& k, float* x, int64_t rows, float eps) const {
    std::vector<float> tmp(x, x + rows * dim);
    k.layer_norm(tmp.data(), weight.data<float>(), bias.data<float>(), x, rows, dim, eps);
}

LinearWeights LinearWeights::load(const WeightReader& w, const std::string& prefix, int64_t out,
                                  int64_t in, bool has_bias) {
    LinearWeights l;
    l.out = out;
    l.in = in;
    l.weight = w.take(prefix + "weight", {out, in});
    if (has_bias) l.bias = w.take(prefix + "bias", {out});
    return l;
}

Tensor LinearWeights::apply(const kernels::KernelSet& k, const float* x, int64_t rows) const {
    Tensor y = Tensor::zeros(DType::F32, {rows, out});
    k.linear(x, weight.data<float>(), bias.defined() ? bias.data<float>() : nullptr, y.data_mut<float>(),
             rows, out, in);
    return y;
}

}  // namespace vivid
