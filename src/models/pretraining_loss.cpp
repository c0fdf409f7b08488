#include "models/pretraining_loss.h"

#include <cmath>

namespace vivid {

namespace {
constexpr float kImagenetMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kImagenetStd[3] = {0.229f, 0.224f, 0.225f};
}  // namespace

Tensor pretraining_loss(const VideoMAEConfig& c, const Tensor& pixel_values,
                        const std::vector<std::vector<int64_t>>& masked, const Tensor& logits) {
    const Tensor pv = pixel_values.is_contiguous() ? pixel_values : pixel_values.contiguous_copy();
    const float* src = pv.data<float>();
    const int64_t batch = pv.size(0), frames = pv.size(1), channels = pv.size(2);
    const int64_t height = pv.size(3), width = pv.size(4);
    const int64_t ts = c.tubelet_size, p = c.patch_size;
    const int64_t nh = height / p, nw = width / p;
    const int64_t pixels = ts * p * p;               // per patch and channel
    const int64_t patch_len = pixels * channels;     // reconstruction length per patch
    const float* rec = logits.data<float>();
    std::vector<float> values(static_cast<std::size_t>(patch_len));

    double sum_sq = 0;
    int64_t count = 0;
    for (int64_t b = 0; b < batch; ++b) {
        for (std::size_t mi = 0; mi < masked[b].size(); ++mi) {
            const int64_t patch = masked[b][mi];
            const int64_t ti = patch / (nh * nw), hi = (patch / nw) % nh, wi = patch % nw;
            // Gather the patch in (dt, dy, dx, c) order, channel fastest, un-normalised.
            int64_t idx = 0;
            for (int64_t dt = 0; dt < ts; ++dt)
                for (int64_t dy = 0; dy < p; ++dy)
                    for (int64_t dx = 0; dx < p; ++dx)
                        for (int64_t ch = 0; ch < channels; ++ch) {
                            const int64_t f = ti * ts + dt, y = hi * p + dy, x = wi * p + dx;
                            const float v = src[(((b * frames + f) * channels + ch) * height + y) * width + x];
                            const float scaled = v * kImagenetStd[ch % 3];
                            values[idx++] = scaled + kImagenetMean[ch % 3];
                        }
            if (c.norm_pix_loss) {
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
                    for (int64_t i = 0; i < pixels; ++i)
                        values[i * channels + ch] = (values[i * channels + ch] - fmean) / denom;
                }
            }
            const float* r = rec + (b * static_cast<int64_t>(masked[b].size()) + static_cast<int64_t>(mi)) * patch_len;
            for (int64_t i = 0; i < patch_len; ++i) {
                const double diff = static_cast<double>(r[i]) - values[i];
                sum_sq += diff * diff;
            }
            count += patch_len;
        }
    }
    Tensor loss = Tensor::zeros(DType::F32, {1});
    loss.data_mut<float>()[0] = count ? static_cast<float>(sum_sq / static_cast<double>(count)) : 0.0f;
    return loss;
}

}  // namespace vivid
