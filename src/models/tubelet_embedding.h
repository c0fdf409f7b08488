// Conv3d with kernel = stride = (t, p, p), as used by both models' patch embeddings:
// pixel_values (B, T, C, H, W) -> tokens (B, N, D), N in t-major, then h, then w order.
// Run as one GEMM over the im2col rows, with the position embedding added in its epilogue.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/model_kernels.h"
#include "models/weight_reader.h"

namespace vivid {

struct TubeletGrid {
    int64_t frames, channels, height, width;  // expected input
    int64_t t, ph, pw;                         // kernel = stride
    int64_t tokens() const { return (frames / t) * (height / ph) * (width / pw); }
    int64_t patch_len() const { return channels * t * ph * pw; }
};

class TubeletEmbedding {
public:
    static TubeletEmbedding load(const WeightReader& w, const std::string& prefix, const TubeletGrid& grid,
                                 int64_t hidden, const ModelKernels& kernels);
    const TubeletGrid& grid() const { return grid_; }
    // Checks pixel_values is float32 (B, T, C, H, W) matching the grid; returns B.
    int64_t check_input(const Tensor& pixel_values) const;
    // Embeds patches[b] (ascending patch indices, the same count for every clip; all patches
    // when `patches` is null) and adds them to out: clip b's rows start at row b * clip_stride
    // (so out holds the position embeddings on entry). `scratch` holds the im2col rows.
    void forward(const Tensor& pixel_values, const std::vector<std::vector<int64_t>>* patches, float* out,
                 int64_t clip_stride, std::vector<float>& scratch);
    double flops(int64_t batch) const;

private:
    TubeletGrid grid_{};
    int64_t hidden_ = 0;
    std::unique_ptr<kernels::Linear> projection_;
};

}  // namespace vivid
