// Model::reconstruct and its PNG: what a VideoMAE pre-training model makes of a masked clip,
// laid out as VideoMAE's own visualisation (run_videomae_vis.py) does.
#include <algorithm>
#include <cmath>

#include "api/model_impl.h"
#include "formats/png_writer.h"

namespace vivid {
namespace {

// HF's loss (and so the reconstruction) lives in ImageNet-unnormalised frames, whatever the
// processor's own mean and std are (FINDINGS.md).
constexpr double kImagenetMean[3] = {0.485, 0.456, 0.406};
constexpr double kImagenetStd[3] = {0.229, 0.224, 0.225};
constexpr uint8_t kGrey = 128;

// pixel_values -> the 0..255 pixel the processor made it from (the processor's steps undone).
uint8_t to_pixel(const PreprocessorConfig& p, double v, int channel) {
    if (p.do_normalize) v = v * p.image_std[channel] + p.image_mean[channel];
    if (p.offset) v += 1.0;
    if (p.do_zero_centering) v = (v + 1.0) / 2.0;
    if (p.do_rescale) v /= p.rescale_factor;
    return static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0, 255.0));
}

}  // namespace

Reconstruction Model::reconstruct(const FloatArray& pixel_values, const ByteArray& bool_masked_pos) {
    const auto* mae = std::get_if<VideoMAEConfig>(&impl_->model->config());
    if (!impl_->info.pretraining || !mae)
        throw Error(impl_->info.folder, impl_->info.architecture + " does not reconstruct masked patches");
    const PreprocessorConfig& processor = impl_->require_processor();
    if (pixel_values.shape.size() != 5 || pixel_values.shape[0] != 1 || pixel_values.shape[2] != 3)
        throw Error("pixel_values", "a reconstruction is of one RGB clip (1, T, 3, H, W), not " +
                                        shape_to_string(pixel_values.shape));
    const Outputs out = forward(pixel_values, &bool_masked_pos);

    const int64_t T = pixel_values.shape[1], H = pixel_values.shape[3], W = pixel_values.shape[4];
    const int64_t ts = mae->tubelet_size, p = mae->patch_size, nh = H / p, nw = W / p;
    const int64_t pixels = ts * p * p;  // per patch and channel
    const float* pv = pixel_values.values.data();
    auto at = [&](int64_t t, int64_t c, int64_t y, int64_t x) { return ((t * 3 + c) * H + y) * W + x; };

    Reconstruction r;
    r.loss = out.loss.value_or(0.0f);
    for (ByteArray* picture : {&r.original, &r.masked, &r.reconstructed})
        *picture = ByteArray{{T, H, W, 3}, std::vector<uint8_t>(static_cast<std::size_t>(T * H * W * 3))};
    auto put = [&](ByteArray& picture, int64_t t, int64_t y, int64_t x, int64_t c, uint8_t v) {
        picture.values[static_cast<std::size_t>(((t * H + y) * W + x) * 3 + c)] = v;
    };
    for (int64_t t = 0; t < T; ++t)
        for (int64_t c = 0; c < 3; ++c)
            for (int64_t y = 0; y < H; ++y)
                for (int64_t x = 0; x < W; ++x) {
                    const uint8_t v = to_pixel(processor, pv[at(t, c, y, x)], static_cast<int>(c));
                    put(r.original, t, y, x, c, v);
                    put(r.masked, t, y, x, c, v);
                    put(r.reconstructed, t, y, x, c, v);
                }

    // Masked patches in order: the k-th 1 in the mask is row k of the output.
    std::vector<double> target(static_cast<std::size_t>(pixels));
    int64_t k = 0;
    for (int64_t n = 0; n < static_cast<int64_t>(bool_masked_pos.values.size()); ++n) {
        if (!bool_masked_pos.values[n]) continue;
        const float* rec = out.logits.values.data() + k++ * pixels * 3;
        const int64_t ti = n / (nh * nw), hi = (n / nw) % nh, wi = n % nw;
        for (int64_t c = 0; c < 3; ++c) {
            // The patch's own values in the loss's space, for its mean and (unbiased) std.
            int64_t i = 0;
            for (int64_t dt = 0; dt < ts; ++dt)
                for (int64_t dy = 0; dy < p; ++dy)
                    for (int64_t dx = 0; dx < p; ++dx)
                        target[i++] = pv[at(ti * ts + dt, c, hi * p + dy, wi * p + dx)] * kImagenetStd[c] +
                                      kImagenetMean[c];
            double mean = 0, var = 0;
            for (double v : target) mean += v;
            mean /= static_cast<double>(pixels);
            for (double v : target) var += (v - mean) * (v - mean);
            const double scale = std::sqrt(var / static_cast<double>(pixels - 1)) + 1e-6;
            i = 0;
            for (int64_t dt = 0; dt < ts; ++dt)
                for (int64_t dy = 0; dy < p; ++dy)
                    for (int64_t dx = 0; dx < p; ++dx, ++i) {
                        double v = rec[i * 3 + c];
                        if (mae->norm_pix_loss) v = v * scale + mean;
                        const double back = (v - kImagenetMean[c]) / kImagenetStd[c];  // to pixel_values
                        const int64_t t = ti * ts + dt, y = hi * p + dy, x = wi * p + dx;
                        put(r.reconstructed, t, y, x, c, to_pixel(processor, back, static_cast<int>(c)));
                        put(r.masked, t, y, x, c, kGrey);
                    }
        }
    }
    return r;
}

void write_reconstruction_png(const std::string& path, const Reconstruction& r) {
    if (r.original.shape.size() != 4) throw Error(path, "the reconstruction holds no frames");
    const int64_t T = r.original.shape[0], H = r.original.shape[1], W = r.original.shape[2];
    const int64_t row_bytes = T * W * 3;
    std::vector<uint8_t> image(static_cast<std::size_t>(3 * H * row_bytes));
    const ByteArray* rows[] = {&r.original, &r.masked, &r.reconstructed};
    for (int row = 0; row < 3; ++row)
        for (int64_t t = 0; t < T; ++t)
            for (int64_t y = 0; y < H; ++y)
                std::copy_n(rows[row]->values.data() + (t * H + y) * W * 3, W * 3,
                            image.data() + (row * H + y) * row_bytes + t * W * 3);
    if (3 * H > (1 << 30) || T * W > (1 << 30)) throw Error(path, "the picture is too large");
    write_rgb_png(path, image.data(), static_cast<int>(3 * H), static_cast<int>(T * W));
}

}  // namespace vivid
