// HF's per-frame chain: resize (Pillow, uint8) -> center crop (zero padding) -> rescale ->
// [ViViT zero centering / offset] -> normalize -> channels first. After the resize every
// output value depends only on one uint8 and its channel, so the float steps become a
// 3x256 lookup table computed with HF's exact dtype chain; only the crop window is resized.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <array>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "video/pillow_resize.h"
#include "vivid/vivid.h"
#include "video/preprocess.h"

namespace vivid {
namespace {

using ChannelTable = std::array<std::array<float, 256>, 3>;

// The float32 HF produces from a uint8 value v of channel c.
ChannelTable value_table(const PreprocessorConfig& config) {
    ChannelTable table{};
    for (int c = 0; c < 3; ++c) {
        const float mean = static_cast<float>(config.image_mean[c]);  // np.array(mean, float32)
        const float std = static_cast<float>(config.image_std[c]);
        for (int v = 0; v < 256; ++v) {
            float x = static_cast<float>(v);  // normalize's astype(float32) without rescale
            if (config.do_rescale) {
                // image_transforms.rescale: astype(float64) * scale, then astype(float32).
                x = static_cast<float>(static_cast<double>(v) * config.rescale_factor);
                if (config.do_zero_centering) x = x * 2.0f - 1.0f;  // 2023 ViViT, float32
                if (config.offset) x = x - 1.0f;                      // ViViT from 2024, float32
            }
            if (config.do_normalize) x = (x - mean) / std;  // float32, as numpy does
            table[c][v] = x;
        }
    }
    return table;
}

int floor_div2(int x) { return x >= 0 ? x / 2 : -((-x + 1) / 2); }

// Where the crop window sits: output pixel (y, x) reads resized pixel (y + top, x + left),
// which exists for rows [y0, y1) and columns [x0, x1) of the resized frame.
struct CropGeometry {
    int top, left, y0, y1, x0, x1, out_h, out_w;
};

// One frame's three float planes from its crop window (null when the window is empty).
void write_planes(const ChannelTable& table, const uint8_t* pixels, std::size_t row_bytes, const CropGeometry& g,
                  float* dst) {
    const std::size_t plane = static_cast<std::size_t>(g.out_h) * g.out_w;
    // Output columns [xs, xe) read the window; the rest is HF's zero padding.
    const int xs = g.x0 - g.left, xe = g.x1 - g.left;
    for (int c = 0; c < 3; ++c) {
        const std::array<float, 256>& lut = table[c];
        float* plane_out = dst + c * plane;
        for (int y = 0; y < g.out_h; ++y) {
            float* row_out = plane_out + static_cast<std::size_t>(y) * g.out_w;
            const int sy = y + g.top;
            if (sy < g.y0 || sy >= g.y1 || xs >= xe) {
                std::fill(row_out, row_out + g.out_w, lut[0]);
                continue;
            }
            const uint8_t* row_in = pixels + static_cast<std::size_t>(sy - g.y0) * row_bytes + c;
            std::fill(row_out, row_out + xs, lut[0]);
            for (int x = xs; x < xe; ++x) row_out[x] = lut[row_in[(x - xs) * 3]];
            std::fill(row_out + xe, row_out + g.out_w, lut[0]);
        }
    }
}

}  // namespace

std::array<int, 2> resized_frame_size(const PreprocessorConfig& config, int height, int width) {
    if (!config.do_resize) return {height, width};
    const ResizeTarget& s = config.size;
    if (s.shortest_edge <= 0) return {s.height, s.width};
    // get_resize_output_image_size(default_to_square=False): int(size * long / short) with
    // Python's true division (correctly rounded double) and truncation.
    const bool portrait = width <= height;
    const int shorter = portrait ? width : height, longer = portrait ? height : width;
    const double exact = static_cast<double>(static_cast<int64_t>(s.shortest_edge) * longer) /
                         static_cast<double>(shorter);
    if (!(exact >= 1.0 && exact < 1e6))
        throw Error("preprocess", "resize of a " + std::to_string(height) + "x" +
                                      std::to_string(width) + " frame gives an unusable size");
    const int new_long = static_cast<int>(exact);
    return portrait ? std::array<int, 2>{new_long, s.shortest_edge}
                    : std::array<int, 2>{s.shortest_edge, new_long};
}

Tensor preprocess_clip(const PreprocessorConfig& config, const Tensor& frames_in, CropPosition crop) {
    if (frames_in.dtype() != DType::U8 || frames_in.dim() != 4 || frames_in.size(3) != 3)
        throw Error("preprocess", "frames must be uint8 (T,H,W,3), got " +
                                      std::string(dtype_name(frames_in.dtype())) + " " +
                                      shape_to_string(frames_in.shape()));
    const Tensor frames = frames_in.is_contiguous() ? frames_in : frames_in.contiguous_copy();
    const int64_t t_count = frames.size(0);
    if (frames.size(1) < 1 || frames.size(2) < 1 || frames.size(1) > 1 << 16 ||
        frames.size(2) > 1 << 16)
        throw Error("preprocess", "frame size " + shape_to_string(frames.shape()) +
                                      " is empty or too large");
    const int in_h = static_cast<int>(frames.size(1)), in_w = static_cast<int>(frames.size(2));

    const auto [rh, rw] = resized_frame_size(config, in_h, in_w);
    const int out_h = config.do_center_crop ? config.crop_height : rh;
    const int out_w = config.do_center_crop ? config.crop_width : rw;
    // center_crop: top = (H - ch) // 2 (floor); where that falls outside the image HF pads
    // with zeros, which is the same as reading 0 for source pixels outside the image.
    int top = config.do_center_crop ? floor_div2(rh - out_h) : 0;
    int left = config.do_center_crop ? floor_div2(rw - out_w) : 0;
    if (config.do_center_crop && crop != CropPosition::Center) {
        // VideoMAE's uniform_crop: the window slides along the longer side only.
        int& offset = rh > rw ? top : left;
        offset = crop == CropPosition::Start ? 0 : (rh > rw ? rh - out_h : rw - out_w);
    }
    const int y0 = std::max(0, top), y1 = std::min(rh, top + out_h);
    const int x0 = std::max(0, left), x1 = std::min(rw, left + out_w);
    const int win_h = std::max(0, y1 - y0), win_w = std::max(0, x1 - x0);

    // Bounds that keep a hostile config from asking for absurd allocations.
    if (static_cast<int64_t>(rh) * rw > (int64_t{1} << 28) ||
        t_count * 3 * int64_t{out_h} * out_w > (int64_t{1} << 31))
        throw Error("preprocess", "output of " + std::to_string(out_h) + "x" +
                                      std::to_string(out_w) + " per frame is too large");
    const ChannelTable table = value_table(config);
    Tensor out = Tensor::uninitialized(DType::F32, {t_count, 3, out_h, out_w});  // every value written below
    const std::size_t plane = static_cast<std::size_t>(out_h) * out_w;

    std::optional<pillow::RgbResizer> shared_resizer;  // coefficients computed once
    if (config.do_resize) shared_resizer.emplace(in_h, in_w, rh, rw, config.resample);
    const uint8_t* frames_data = frames.data<uint8_t>();
    float* out_data = out.data_mut<float>();
    const std::size_t frame_bytes = static_cast<std::size_t>(in_h) * in_w * 3;

    // Frames are independent: one resizer (scratch buffers) and crop window per thread.
    std::exception_ptr failure;
#pragma omp parallel
    {
        std::optional<pillow::RgbResizer> resizer = shared_resizer;
        std::vector<uint8_t> window(static_cast<std::size_t>(win_h) * win_w * 3);
#pragma omp for schedule(static)
        for (int64_t t = 0; t < t_count; ++t) {
            try {
                const uint8_t* src = frames_data + t * frame_bytes;
                float* dst = out_data + t * 3 * plane;
                const uint8_t* pixels = nullptr;  // the crop window, rows of row_bytes
                std::size_t row_bytes = static_cast<std::size_t>(win_w) * 3;
                if (win_h > 0 && win_w > 0) {
                    if (resizer) {
                        resizer->resize_window(src, window.data(), row_bytes, y0, y1, x0, x1);
                        pixels = window.data();
                    } else {
                        pixels = src + (static_cast<std::size_t>(y0) * in_w + x0) * 3;
                        row_bytes = static_cast<std::size_t>(in_w) * 3;
                    }
                }
                write_planes(table, pixels, row_bytes, {top, left, y0, y1, x0, x1, out_h, out_w}, dst);
            } catch (...) {
#pragma omp critical
                if (!failure) failure = std::current_exception();
            }
        }
    }
    if (failure) std::rethrow_exception(failure);
    return out;
}

}  // namespace vivid
