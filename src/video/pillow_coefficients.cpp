// Filter weights exactly as Pillow 9.4 computes them (libImaging/Resample.c precompute_coeffs,
// normalize_coeffs_8bpc; Geometry.c ImagingScaleAffine for NEAREST). Every double expression
// keeps Pillow's operation order; contraction into FMA is switched off because Pillow's
// x86-64 build has no FMA and a fused multiply-add rounds differently.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <cmath>

#include "video/pillow_resize.h"
#include "vivid/vivid.h"

namespace vivid::pillow {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kPi = 3.14159265358979323846;  // M_PI

double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinear_filter(double x) {
    if (x < 0.0) x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
    if (x < 0.0) x = -x;
    if (x == 0.0) return 1.0;
    if (x >= 1.0) return 0.0;
    x = x * kPi;
    // Pillow writes the constants as floats (0.54f, 0.46f); they are widened to double.
    return std::sin(x) / x * (static_cast<double>(0.54f) + static_cast<double>(0.46f) * std::cos(x));
}

double bicubic_filter(double x) {
    constexpr double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

double sinc_filter(double x) {
    if (x == 0.0) return 1.0;
    x = x * kPi;
    return std::sin(x) / x;
}

double lanczos_filter(double x) {
    if (-3.0 <= x && x < 3.0) return sinc_filter(x) * sinc_filter(x / 3);
    return 0.0;
}

struct Filter {
    double (*function)(double);
    double support;
};

Filter filter_for(Resample resample) {
    switch (resample) {
        case Resample::Box: return {box_filter, 0.5};
        case Resample::Bilinear: return {bilinear_filter, 1.0};
        case Resample::Hamming: return {hamming_filter, 1.0};
        case Resample::Bicubic: return {bicubic_filter, 2.0};
        case Resample::Lanczos: return {lanczos_filter, 3.0};
        case Resample::Nearest: break;
    }
    throw Error("resize", "NEAREST has no convolution filter");
}

}  // namespace

AxisCoefficients compute_axis_coefficients(int in_size, int out_size, Resample resample) {
    const Filter filter = filter_for(resample);
    // Pillow passes the box as floats: in0 = 0, in1 = in_size.
    const float in0 = 0.0f;
    const float in1 = static_cast<float>(in_size);
    const double scale = static_cast<double>(in1 - in0) / out_size;
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = filter.support * filterscale;

    AxisCoefficients c;
    c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    c.first.resize(out_size);
    c.count.resize(out_size);
    c.weights.assign(static_cast<std::size_t>(out_size) * c.ksize, 0);
    std::vector<double> k(c.ksize);

    for (int xx = 0; xx < out_size; ++xx) {
        const double center = in0 + (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            const double w = filter.function((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        int32_t* fixed = &c.weights[static_cast<std::size_t>(xx) * c.ksize];
        for (int x = 0; x < xmax; ++x) {
            if (ww != 0.0) k[x] /= ww;
            // normalize_coeffs_8bpc: round half away from zero into 22 fractional bits.
            fixed[x] = k[x] < 0 ? static_cast<int32_t>(-0.5 + k[x] * (1 << kPrecisionBits))
                                : static_cast<int32_t>(0.5 + k[x] * (1 << kPrecisionBits));
        }
        c.first[xx] = xmin;
        c.count[xx] = xmax > 0 ? xmax : 0;
    }
    return c;
}

std::vector<int> nearest_source_indices(int in_size, int out_size) {
    // _resize builds the affine matrix a[0] = (box size as float) / out, a[2] = 0, and
    // ImagingScaleAffine walks xo = a[2] + a[0]*0.5, then xo += a[0] per pixel (accumulated,
    // not multiplied: the accumulated rounding is part of the result).
    const double a0 = static_cast<double>(static_cast<float>(in_size)) / out_size;
    double xo = 0.0 + a0 * 0.5;
    std::vector<int> index(out_size);
    for (int x = 0; x < out_size; ++x) {
        const int xin = xo < 0.0 ? -1 : static_cast<int>(xo);  // COORD()
        index[x] = (xin >= 0 && xin < in_size) ? xin : -1;
        xo += a0;
    }
    return index;
}

}  // namespace vivid::pillow
