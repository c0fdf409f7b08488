// The two passes of Pillow's ImagingResampleInner for 8-bit RGB: horizontal first (only the
// source rows the vertical pass will read), rounded to uint8, then vertical. A pass is skipped
// when its axis keeps its size, as Pillow does. Integer arithmetic only, so the order of the
// additions does not matter and the loops are free to vectorise.
#include <algorithm>
#include <cstring>
#include <string>

#include "video/pillow_resize.h"
#include "vivid/vivid.h"

namespace vivid::pillow {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr int32_t kHalf = 1 << (kPrecisionBits - 1);

inline uint8_t clip8(int32_t sum) {
    const int32_t v = sum >> kPrecisionBits;  // arithmetic shift, as in Pillow
    return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

void check_size(int height, int width, const char* what) {
    if (height < 1 || width < 1)
        throw Error("resize", std::string(what) + " size must be at least 1x1, got " +
                                  std::to_string(height) + "x" + std::to_string(width));
}

}  // namespace

RgbResizer::RgbResizer(int in_height, int in_width, int out_height, int out_width,
                       Resample filter)
    : in_width_(in_width), out_height_(out_height),
      out_width_(out_width), filter_(filter) {
    check_size(in_height, in_width, "input");
    check_size(out_height, out_width, "output");
    switch (filter) {
        case Resample::Nearest: case Resample::Lanczos: case Resample::Bilinear:
        case Resample::Bicubic: case Resample::Box: case Resample::Hamming: break;
        default: throw Error("resize", "unsupported resampling filter " +
                                           std::to_string(static_cast<int>(filter)));
    }
    if (filter == Resample::Nearest) {
        nearest_x_ = nearest_source_indices(in_width, out_width);
        nearest_y_ = nearest_source_indices(in_height, out_height);
        return;
    }
    need_horizontal_ = out_width != in_width;
    need_vertical_ = out_height != in_height;
    if (need_horizontal_) horizontal_ = compute_axis_coefficients(in_width, out_width, filter);
    if (need_vertical_) vertical_ = compute_axis_coefficients(in_height, out_height, filter);
}

void RgbResizer::resize_window(const uint8_t* src, uint8_t* dst, std::size_t dst_row_bytes,
                               int y0, int y1, int x0, int x1) {
    if (y0 < 0 || y1 > out_height_ || y0 > y1 || x0 < 0 || x1 > out_width_ || x0 > x1)
        throw Error("resize", "window outside the output image");
    if (y0 == y1 || x0 == x1) return;
    const int width3 = (x1 - x0) * 3;
    const std::size_t in_row_bytes = static_cast<std::size_t>(in_width_) * 3;
    if (filter_ == Resample::Nearest) {
        nearest_window(src, dst, dst_row_bytes, y0, y1, x0, x1);
        return;
    }
    if (!need_horizontal_ && !need_vertical_) {  // Pillow returns a copy
        for (int y = y0; y < y1; ++y)
            std::memcpy(dst + (y - y0) * dst_row_bytes, src + y * in_row_bytes + x0 * 3, width3);
        return;
    }
    if (!need_horizontal_) {
        vertical_window(src + x0 * 3, in_row_bytes, 0, dst, dst_row_bytes, y0, y1, width3);
        return;
    }
    int row_first = y0, row_last = y1;
    if (need_vertical_) {
        row_first = vertical_.first[y0];
        row_last = 0;
        for (int y = y0; y < y1; ++y) {
            row_first = std::min(row_first, vertical_.first[y]);
            row_last = std::max(row_last, vertical_.first[y] + vertical_.count[y]);
        }
        row_last = std::max(row_last, row_first);
    }
    horizontal_rows(src, row_first, row_last, x0, x1);
    if (need_vertical_) {
        vertical_window(temp_.data(), width3, row_first, dst, dst_row_bytes, y0, y1, width3);
    } else {
        for (int y = y0; y < y1; ++y)
            std::memcpy(dst + (y - y0) * dst_row_bytes, temp_.data() + (y - y0) * width3, width3);
    }
}

// Rows are taken eight at a time and transposed so that the eight values of one (column,
// channel) sit together: every tap then updates 3x8 int32 sums with one weight, a loop of
// fixed length that the compiler turns into vector instructions.
void RgbResizer::horizontal_rows(const uint8_t* src, int row_first, int row_last, int x0,
                                 int x1) {
    constexpr int kRows = 8, kLanes = 3 * kRows;
    const std::size_t width3 = static_cast<std::size_t>(x1 - x0) * 3;
    const std::size_t in_row_bytes = static_cast<std::size_t>(in_width_) * 3;
    temp_.resize(static_cast<std::size_t>(row_last - row_first) * width3);
    const int col_lo = horizontal_.first[x0];
    int col_hi = col_lo;
    for (int xx = x0; xx < x1; ++xx)
        col_hi = std::max(col_hi, horizontal_.first[xx] + horizontal_.count[xx]);
    block_.resize(static_cast<std::size_t>(col_hi - col_lo) * kLanes);
    const int ksize = horizontal_.ksize;

    for (int r0 = row_first; r0 < row_last; r0 += kRows) {
        const int rows = std::min(kRows, row_last - r0);
        const uint8_t* row[kRows];
        for (int r = 0; r < kRows; ++r)  // a short last block repeats its last row
            row[r] = src + (r0 + std::min(r, rows - 1)) * in_row_bytes + col_lo * 3;
        uint8_t* transposed = block_.data();
        for (int i = 0; i < (col_hi - col_lo) * 3; i += 3)
            for (int c = 0; c < 3; ++c)
                for (int r = 0; r < kRows; ++r) *transposed++ = row[r][i + c];
        for (int xx = x0; xx < x1; ++xx) {
            const int32_t* k = &horizontal_.weights[static_cast<std::size_t>(xx) * ksize];
            const uint8_t* b = block_.data() + (horizontal_.first[xx] - col_lo) * kLanes;
            int32_t sum[kLanes];
            for (int i = 0; i < kLanes; ++i) sum[i] = kHalf;
            for (int t = 0; t < horizontal_.count[xx]; ++t, b += kLanes) {
                const int32_t w = k[t];
                for (int i = 0; i < kLanes; ++i) sum[i] += b[i] * w;
            }
            uint8_t* out = temp_.data() + (r0 - row_first) * width3 + (xx - x0) * 3;
            for (int r = 0; r < rows; ++r, out += width3) {
                out[0] = clip8(sum[r]);
                out[1] = clip8(sum[kRows + r]);
                out[2] = clip8(sum[2 * kRows + r]);
            }
        }
    }
}

void RgbResizer::vertical_window(const uint8_t* rows, std::size_t row_bytes, int rows_first,
                                 uint8_t* dst, std::size_t dst_row_bytes, int y0, int y1,
                                 int width3) {
    accumulator_.resize(width3);
    int32_t* acc = accumulator_.data();
    const int ksize = vertical_.ksize;
    for (int yy = y0; yy < y1; ++yy) {
        const int32_t* k = &vertical_.weights[static_cast<std::size_t>(yy) * ksize];
        const int first = vertical_.first[yy] - rows_first;
        std::fill(acc, acc + width3, kHalf);
        for (int t = 0; t < vertical_.count[yy]; ++t) {
            const uint8_t* row = rows + static_cast<std::size_t>(first + t) * row_bytes;
            const int32_t kt = k[t];
            for (int i = 0; i < width3; ++i) acc[i] += row[i] * kt;
        }
        uint8_t* out = dst + (yy - y0) * dst_row_bytes;
        for (int i = 0; i < width3; ++i) out[i] = clip8(acc[i]);
    }
}

void RgbResizer::nearest_window(const uint8_t* src, uint8_t* dst, std::size_t dst_row_bytes,
                                int y0, int y1, int x0, int x1) const {
    for (int yy = y0; yy < y1; ++yy) {
        uint8_t* out = dst + (yy - y0) * dst_row_bytes;
        const int yi = nearest_y_[yy];
        if (yi < 0) {  // outside the source: Pillow's fill leaves zeros
            std::memset(out, 0, static_cast<std::size_t>(x1 - x0) * 3);
            continue;
        }
        const uint8_t* in = src + static_cast<std::size_t>(yi) * in_width_ * 3;
        for (int xx = x0; xx < x1; ++xx, out += 3) {
            const int xi = nearest_x_[xx];
            if (xi < 0) {
                out[0] = out[1] = out[2] = 0;
            } else {
                out[0] = in[xi * 3];
                out[1] = in[xi * 3 + 1];
                out[2] = in[xi * 3 + 2];
            }
        }
    }
}

}  // namespace vivid::pillow

namespace vivid {

void resize_rgb_like_pillow(const uint8_t* src, int height, int width, uint8_t* dst,
                            int out_height, int out_width, Resample resample) {
    pillow::RgbResizer resizer(height, width, out_height, out_width, resample);
    resizer.resize_window(src, dst, static_cast<std::size_t>(out_width) * 3, 0, out_height, 0,
                          out_width);
}

}  // namespace vivid
