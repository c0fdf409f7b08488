#include "models/tubelet_embedding.h"

#include "core/grow_buffer.h"
#include "vivid/vivid.h"

namespace vivid {

TubeletEmbedding TubeletEmbedding::load(const WeightReader& w, const std::string& prefix, const TubeletGrid& grid,
                                        int64_t hidden, const ModelKernels& kernels) {
    TubeletEmbedding e;
    e.grid_ = grid;
    e.hidden_ = hidden;
    Tensor weight = w.view(prefix + "projection.weight", {hidden, grid.channels, grid.t, grid.ph, grid.pw})
                        .reshape({hidden, grid.patch_len()});
    Tensor bias = w.view(prefix + "projection.bias", {hidden});
    e.projection_ = kernels.linear("patch_embeddings", weight, bias, kernels::Epilogue::BiasResidual);
    return e;
}

int64_t TubeletEmbedding::check_input(const Tensor& pv) const {
    const TubeletGrid& g = grid_;
    const Shape want{-1, g.frames, g.channels, g.height, g.width};
    if (pv.dtype() != DType::F32) throw Error("pixel_values", "must be float32, got " + std::string(dtype_name(pv.dtype())));
    bool ok = pv.dim() == 5 && pv.size(0) >= 1;
    for (int i = 1; ok && i < 5; ++i) ok = pv.size(i) == want[i];
    if (!ok)
        throw Error("pixel_values", "has shape " + shape_to_string(pv.shape()) + " but the model needs [B, " +
                                        std::to_string(g.frames) + ", " + std::to_string(g.channels) + ", " +
                                        std::to_string(g.height) + ", " + std::to_string(g.width) + "]");
    return pv.size(0);
}

void TubeletEmbedding::forward(const Tensor& pixel_values, const std::vector<std::vector<int64_t>>* patches,
                               float* out, int64_t clip_stride, std::vector<float>& scratch) {
    const TubeletGrid& g = grid_;
    const int64_t batch = check_input(pixel_values);
    const Tensor pv = pixel_values.is_contiguous() ? pixel_values : pixel_values.contiguous_copy();
    const float* src = pv.data<float>();
    const int64_t nh = g.height / g.ph, nw = g.width / g.pw;
    const int64_t count = patches ? static_cast<int64_t>((*patches)[0].size()) : g.tokens();
    const int64_t len = g.patch_len();
    grow_to(scratch, batch * count * len);
    // im2col: one row per tubelet, columns in the Conv3d weight's (C, t, ph, pw) order.
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t i = 0; i < count; ++i) {
            const int64_t tok = patches ? (*patches)[b][i] : i;
            const int64_t ti = tok / (nh * nw), hi = (tok / nw) % nh, wi = tok % nw;
            float* row = scratch.data() + (b * count + i) * len;
            for (int64_t c = 0; c < g.channels; ++c)
                for (int64_t dt = 0; dt < g.t; ++dt)
                    for (int64_t dy = 0; dy < g.ph; ++dy) {
                        const int64_t frame = ti * g.t + dt, y = hi * g.ph + dy;
                        const float* line =
                            src + (((b * g.frames + frame) * g.channels + c) * g.height + y) * g.width + wi * g.pw;
                        for (int64_t dx = 0; dx < g.pw; ++dx) *row++ = line[dx];
                    }
        }
    if (clip_stride == count) {
        projection_->forward(scratch.data(), out, batch * count);
    } else {
        for (int64_t b = 0; b < batch; ++b)
            projection_->forward(scratch.data() + b * count * len, out + b * clip_stride * hidden_, count);
    }
}

double TubeletEmbedding::flops(int64_t batch) const {
    return 2.0 * static_cast<double>(batch * grid_.tokens()) * static_cast<double>(grid_.patch_len() * hidden_);
}

}  // namespace vivid
