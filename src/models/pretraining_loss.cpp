#include "models/pretraining_loss.h"

#include <cmath>

namespace vivid {

namespace {
constexpr float kImagenetMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kImagenetStd[3] = {0.229f, 0.224f, 0.225f};

struct PatchGeometry {
    int64_t frames, channels, height, width;  // pixel_values (B, T, C, H, W)
    int64_t ts, p, nh, nw;                     // tubelet, patch size, patches per column and row
    int64_t pixels() const { return ts * p * p; }  // per patch and channel
};

// Sum of squared differences between one reconstructed patch and its target: the patch
// un-normalised to [0, 1] pixels in (dt, dy, dx, c) order, channel fastest, and with
// norm_pix_loss normalised per channel (unbiased variance, +1e-6 on the std), as HF does.
double patch_squared_error(const PatchGeometry& g, const float* src, int64_t b, int64_t patch, bool norm_pix,
                           const float* rec, std::vector<float>& values) {
    const int64_t pixels = g.pixels(), channels = g.channels;
    const int64_t ti = patch / (g.nh * g.nw), hi = (patch / g.nw) % g.nh, wi = patch % g.nw;
    int64_t idx = 0;
    for (int64_t dt = 0; dt < g.ts; ++dt)
        for (int64_t dy = 0; dy < g.p; ++dy)
            for (int64_t dx = 0; dx < g.p; ++dx)
                for (int64_t ch = 0; ch < channels; ++ch) {
                    const int64_t f = ti * g.ts + dt, y = hi * g.p + dy, x = wi * g.p + dx;
                    const float v = src[(((b * g.frames + f) * channels + ch) * g.height + y) * g.width + x];
                    const float scaled = v * kImagenetStd[ch % 3];
                    values[idx++] = scaled + kImagenetMean[ch % 3];
                }
    if (norm_pix) {
        for (int64_t ch = 0; ch < channels; ++ch) {
            double mean = 0;
            for (int64_t i = 0; i < pixels; ++i) mean += values[i * channels + ch];
            mean /= static_cast<double>(pixels);
            double var = 0;
            for (int64_t i = 0; i < pixels; ++i) {
                const double dv = values[i * channels + ch] - mean;
                var += dv * dv;
            }
            var /= static_cast<double>(pixels - 1);
            const float fmean = static_cast<float>(mean);
            const float denom = static_cast<float>(std::sqrt(var)) + 1e-6f;
            for (int64_t i = 0; i < pixels; ++i) values[i * channels + ch] = (values[i * channels + ch] - fmean) / denom;
        }
    }
    double sum_sq = 0;
    for (int64_t i = 0; i < pixels * channels; ++i) {
        const double diff = static_cast<double>(rec[i]) - values[i];
        sum_sq += diff * diff;
    }
    return sum_sq;
}

}  // namespace

Tensor pretraining_loss(const VideoMAEConfig& c, const Tensor& pixel_values,
                        const std::vector<std::vector<int64_t>>& masked, const Tensor& logits) {
    const Tensor pv = pixel_values.is_contiguous() ? pixel_values : pixel_values.contiguous_copy();
    const int64_t batch = pv.size(0);
    const PatchGeometry g{pv.size(1), pv.size(2), pv.size(3), pv.size(4), c.tubelet_size, c.patch_size,
                          pv.size(3) / c.patch_size, pv.size(4) / c.patch_size};
    const int64_t patch_len = g.pixels() * g.channels;  // reconstruction length per patch
    // Every clip masks the same number of patches (checked by the caller).
    const int64_t per_clip = masked.empty() ? 0 : static_cast<int64_t>(masked[0].size());
    const float* src = pv.data<float>();
    const float* rec = logits.data<float>();
    double sum_sq = 0;
#pragma omp parallel reduction(+ : sum_sq)
    {
        std::vector<float> values(static_cast<std::size_t>(patch_len));
#pragma omp for schedule(static)
        for (int64_t task = 0; task < batch * per_clip; ++task) {
            const int64_t b = task / per_clip, mi = task % per_clip;
            sum_sq += patch_squared_error(g, src, b, masked[b][mi], c.norm_pix_loss, rec + task * patch_len, values);
        }
    }
    const int64_t count = batch * per_clip * patch_len;
    Tensor loss = Tensor::zeros(DType::F32, {1});
    loss.data_mut<float>()[0] = count ? static_cast<float>(sum_sq / static_cast<double>(count)) : 0.0f;
    return loss;
}

}  // namespace vivid
