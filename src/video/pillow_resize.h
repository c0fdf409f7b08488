// Pillow 9.4's Image.resize for 8-bit RGB, reproduced bit for bit (libImaging/Resample.c for
// the convolution filters, Geometry.c's ImagingScaleAffine for NEAREST). The coefficients are
// computed once per (input size, output size, filter), so a clip of equal frames reuses them,
// and any window of the output can be produced alone (each output pixel depends only on its
// own taps, so a window equals the same pixels of the full resize).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "video/preprocess.h"

namespace vivid::pillow {

// One axis of a convolution resize: for output index i, taps first[i] .. first[i]+count[i]-1
// of the input with fixed-point weights weights[i*ksize + t] (PRECISION_BITS 22).
struct AxisCoefficients {
    int ksize = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<int32_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the whole input range (box 0..in).
AxisCoefficients compute_axis_coefficients(int in_size, int out_size, Resample filter);

// Pillow's nearest-neighbour source index per output index (-1: outside, filled with 0).
std::vector<int> nearest_source_indices(int in_size, int out_size);

class RgbResizer {
public:
    RgbResizer(int in_height, int in_width, int out_height, int out_width, Resample filter);

    int out_height() const { return out_height_; }
    int out_width() const { return out_width_; }

    // Writes output rows [y0,y1) and columns [x0,x1) (a window inside the output) to dst,
    // rows of dst_row_bytes; src is in_height rows of in_width*3 bytes.
    void resize_window(const uint8_t* src, uint8_t* dst, std::size_t dst_row_bytes, int y0,
                       int y1, int x0, int x1);

private:
    void nearest_window(const uint8_t* src, uint8_t* dst, std::size_t dst_row_bytes, int y0,
                        int y1, int x0, int x1) const;
    void horizontal_rows(const uint8_t* src, int row_first, int row_last, int x0, int x1);
    void vertical_window(const uint8_t* rows, std::size_t row_bytes, int rows_first,
                         uint8_t* dst, std::size_t dst_row_bytes, int y0, int y1, int width3);

    int in_width_, out_height_, out_width_;
    Resample filter_;
    bool need_horizontal_ = false, need_vertical_ = false;
    AxisCoefficients horizontal_, vertical_;
    std::vector<int> nearest_x_, nearest_y_;
    std::vector<uint8_t> temp_;     // horizontally resampled rows
    std::vector<int32_t> accumulator_;
    std::vector<uint8_t> block_;   // eight source rows, transposed (see horizontal_rows)
};

}  // namespace vivid::pillow
