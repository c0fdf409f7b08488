// Small pieces the model files share: LayerNorm and Linear weights, and the model factories.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "models/tubelet_embedding.h"
#include "models/vit_layer.h"
#include "models/weight_reader.h"
#include "vivid/model.h"

namespace vivid {

struct LayerNormWeights {
    Tensor weight, bias;
    int64_t dim = 0;
    static LayerNormWeights load(const WeightReader& w, const std::string& prefix, int64_t dim);
    // In place over `rows` rows of `dim`.
    void apply(const kernels::KernelSet& k, float* x, int64_t rows, float eps) const;
};

struct LinearWeights {
    Tensor weight, bias;  // bias undefined for bias-free layers
    int64_t out = 0, in = 0;
    static LinearWeights load(const WeightReader& w, const std::string& prefix, int64_t out,
                              int64_t in, bool has_bias = true);
    // (rows, in) -> a new (rows, out) tensor.
    Tensor apply(const kernels::KernelSet& k, const float* x, int64_t rows) const;
};

std::unique_ptr<VideoModel> make_vivit_model(const VivitConfig& c, const WeightReader& w,
                                             const kernels::KernelSet& k);
std::unique_ptr<VideoModel> make_videomae_model(const VideoMAEConfig& c, const WeightReader& w,
                                                const kernels::KernelSet& k);

}  // namespace vivid
