// torch's CPU upsample_bilinear2d (aten/src/ATen/native/UpSample.h, area_pixel_compute_source_index
// and compute_indices_weights_linear), as torch computes it for float tensors: the scale is in/out
// in float, the source coordinate (dst + 0.5) * scale - 0.5 clamped at 0, the weights rounded to
// float, the second tap the next pixel unless at the edge. Downscaling reads only the two nearest pixels per axis
// (no antialias), which is what V2's features were made with.
#include "video/torch_bilinear.h"

#include <algorithm>
#include <vector>

#include "vivid/vivid.h"

namespace vivid {
namespace {

struct Taps {
    std::vector<int64_t> first, second;
    std::vector<float> w_first, w_second;
};

Taps linear_taps(int64_t in, int64_t out) {
    Taps t;
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int64_t i = 0; i < out; ++i) {
        // The float scale times (i + 0.5) - 0.5 is kept in double until the weight is taken
        // (measured on torch 1.13's weights: rounding the coordinate to float first moves them
        // by up to 1e-6).
        const double src = std::max(static_cast<double>(scale) * (static_cast<double>(i) + 0.5) - 0.5, 0.0);
        const auto i0 = static_cast<int64_t>(src);
        const float lambda = std::min(static_cast<float>(src - static_cast<double>(i0)), 1.0f);
        t.first.push_back(i0);
        t.second.push_back(i0 + (i0 < in - 1 ? 1 : 0));
        t.w_first.push_back(1.0f - lambda);
        t.w_second.push_back(lambda);
    }
    return t;
}

}  // namespace

Tensor squash_frames_like_torch(const Tensor& frames, int64_t height, int64_t width) {
    if (frames.dtype() != DType::U8 || frames.dim() != 4 || frames.size(3) != 3)
        throw Error("frames", "shape " + shape_to_string(frames.shape()) + " is not uint8 (T, H, W, 3)");
    if (height < 1 || width < 1) throw Error("frames", "cannot squash to " + std::to_string(height) + "x" + std::to_string(width));
    const Tensor src = frames.is_contiguous() ? frames : frames.contiguous_copy();
    const int64_t t_count = src.size(0), in_h = src.size(1), in_w = src.size(2);
    const Taps ys = linear_taps(in_h, height), xs = linear_taps(in_w, width);
    Tensor out = Tensor::zeros(DType::F32, {t_count, 3, height, width});
    const uint8_t* in = src.data<uint8_t>();
    float* dst = out.data_mut<float>();
    std::vector<float> plane(static_cast<std::size_t>(in_h * in_w));
    for (int64_t t = 0; t < t_count; ++t)
        for (int64_t c = 0; c < 3; ++c) {
            // The float frame first (x / 255 in float32), as V2 converts before interpolating.
            const uint8_t* frame = in + t * in_h * in_w * 3;
            for (int64_t p = 0; p < in_h * in_w; ++p) plane[p] = static_cast<float>(frame[p * 3 + c]) / 255.0f;
            float* o = dst + (t * 3 + c) * height * width;
            for (int64_t y = 0; y < height; ++y) {
                const float* r0 = plane.data() + ys.first[y] * in_w;
                const float* r1 = plane.data() + ys.second[y] * in_w;
                for (int64_t x = 0; x < width; ++x) {
                    const int64_t a = xs.first[x], b = xs.second[x];
                    o[y * width + x] = ys.w_first[y] * (xs.w_first[x] * r0[a] + xs.w_second[x] * r0[b]) +
                                       ys.w_second[y] * (xs.w_first[x] * r1[a] + xs.w_second[x] * r1[b]);
                }
            }
        }
    return out;
}

}  // namespace vivid
