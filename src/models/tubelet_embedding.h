// Conv3d with kernel = stride = (t, p, p), as used by both models' patch embeddings:
// pixel_values (B, T, C, H, W) -> tokens (B, N, D), N in t-major, then h, then w order.
#pragma once

#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "models/weight_reader.h"

namespace vivid {

struct TubeletGrid {
    int64_t frames, channels, height, width;  // expected input
    int64_t t, ph, pw;                         // kernel = stride
    int64_t tokens() const { return (frames / t) * (height / ph) * (width / pw); }
    int64_t patch_len() const { return channels * t * ph * pw; }
};

struct TubeletEmbedding {
    TubeletGrid grid{};
    int64_t hidden = 0;
    Tensor weight;  // (D, C*t*ph*pw), the Conv3d weight flattened
    Tensor bias;    // (D)

    static TubeletEmbedding load(const WeightReader& w, const std::string& prefix,
                                 const TubeletGrid& grid, int64_t hidden);
    // Checks pixel_values is float32 (B, T, C, H, W) matching the grid; returns B.
    int64_t check_input(const Tensor& pixel_values) const;
    // out: (B*N, D). `scratch` holds the im2col matrix.
    void forward(const kernels::KernelSet& k, const Tensor& pixel_values, float* out,
                 std::vector<float>& scratch) const;
};

}  // namespace vivid
