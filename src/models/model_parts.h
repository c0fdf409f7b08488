// Small pieces the model files share: LayerNorm and Linear weights, and the model factories.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/model_kernels.h"
#include "models/tubelet_embedding.h"
#include "models/vit_layer.h"
#include "models/weight_reader.h"
#include "models/model.h"

namespace vivid {

struct LayerNormWeights {
    Tensor weight, bias;
    int64_t dim = 0;
    static LayerNormWeights load(const WeightReader& w, const std::string& prefix, int64_t dim);
    // In place over `rows` rows of `dim`.
    void apply(const ModelKernels& k, float* x, int64_t rows, float eps) const;
};

// prefix + "weight" (out, in) and, when has_bias, prefix + "bias" (out).
std::unique_ptr<kernels::Linear> load_linear(const WeightReader& w, const std::string& prefix, int64_t out, int64_t in,
                                             const ModelKernels& k, bool has_bias = true);
// (rows, in) -> a new (rows, out) tensor.
Tensor apply_linear(kernels::Linear& linear, const float* x, int64_t rows);
// A classifier head on per-clip vectors (batch, hidden): the outputs with logits (batch, labels).
ModelOutputs classifier_outputs(kernels::Linear& classifier, const Tensor& features);

// Work of one transformer block on `tokens` tokens (1 multiply-add = 2 FLOP), as HF computes it.
double vit_layer_flops(const VitLayerShape& shape, int64_t tokens);

std::unique_ptr<VideoModel> make_vivit_model(const VivitConfig& c, const WeightReader& w, const ModelKernels& k);
std::unique_ptr<VideoModel> make_vivit_factorised_model(const VivitConfig& c, const WeightReader& w,
                                                        const ModelKernels& k);
std::unique_ptr<VideoModel> make_videomae_model(const VideoMAEConfig& c, const WeightReader& w, const ModelKernels& k);

}  // namespace vivid
