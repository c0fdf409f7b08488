#include "models/tubelet_embedding.h"

#include "vivid/error.h"

namespace vivid {

TubeletEmbedding TubeletEmbedding::load(const WeightReader& w, const std::string& prefix,
                                        const TubeletGrid& grid, int64_t hidden) {
    TubeletEmbedding e;
    e.grid = grid;
    e.hidden = hidden;
    e.weight = w.take(prefix + "projection.weight", {hidden, grid.channels, grid.t, grid.ph, grid.pw})
                   .reshape({hidden, grid.patch_len()});
    e.bias = w.take(prefix + "projection.bias", {hidden});
    return e;
}

int64_t TubeletEmbedding::check_input(const Tensor& pv) const {
    const Shape want{-1, grid.frames, grid.channels, grid.height, grid.width};
    if (pv.dtype() != DType::F32) throw Error("pixel_values", "must be float32, got " + std::string(dtype_name(pv.dtype())));
    bool ok = pv.dim() == 5 && pv.size(0) >= 1;
    for (int i = 1; ok && i < 5; ++i) ok = pv.size(i) == want[i];
    if (!ok)
        throw Error("pixel_values", "has shape " + shape_to_string(pv.shape()) + " but the model needs [B, " +
                                        std::to_string(grid.frames) + ", " + std::to_string(grid.channels) +
                                        ", " + std::to_string(grid.height) + ", " + std::to_string(grid.width) + "]");
    return pv.size(0);
}

void TubeletEmbedding::forward(const kernels::KernelSet& k, const Tensor& pixel_values, float* out,
                               std::vector<float>& scratch) const {
    const int64_t batch = check_input(pixel_values);
    const Tensor pv = pixel_values.is_contiguous() ? pixel_values : pixel_values.contiguous_copy();
    const float* src = pv.data<float>();
    const int64_t nt = grid.frames / grid.t, nh = grid.height / grid.ph, nw = grid.width / grid.pw;
    const int64_t tokens = nt * nh * nw, len = grid.patch_len();
    scratch.resize(static_cast<std::size_t>(batch * tokens * len));
    // im2col: one row per tubelet, columns in the Conv3d weight's (C, t, ph, pw) order.
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t tok = 0; tok < tokens; ++tok) {
            const int64_t ti = tok / (nh * nw), hi = (tok / nw) % nh, wi = tok % nw;
            float* row = scratch.data() + (b * tokens + tok) * len;
            for (int64_t c = 0; c < grid.channels; ++c)
                for (int64_t dt = 0; dt < grid.t; ++dt)
                    for (int64_t dy = 0; dy < grid.ph; ++dy) {
                        const int64_t frame = ti * grid.t + dt, y = hi * grid.ph + dy;
                        const float* line = src + (((b * grid.frames + frame) * grid.channels + c) * grid.height + y) * grid.width + wi * grid.pw;
                        for (int64_t dx = 0; dx < grid.pw; ++dx) *row++ = line[dx];
                    }
        }
    k.linear(scratch.data(), weight.data<float>(), bias.data<float>(), out, batch * tokens, hidden, len);
}

}  // namespace vivid
