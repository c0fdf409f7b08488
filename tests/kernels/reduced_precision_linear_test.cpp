// The int8 and bf16 linear layers against plain double computations written here (their own
// quantization and rounding, independent of the kernels' code), at real sizes on sampled rows
// and at awkward ones: int8 with each epilogue on every CPU; bf16 with its inputs and outputs
// in bf16 (LayerNorm -> q/k/v and fc1 -> fc2 without conversion passes) where the CPU has it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/tensor.h"
#include "kernels/cpu_features.h"
#include "kernels/kernels.h"
#include "kernels/int8_quantization.h"
#include "kernels/linear.h"
#include "kernels/simd/simd_kernels.h"
#include "test_support.h"

namespace vivid::kernels {
namespace {

using test::random_normal;

Tensor tensor_of(const std::vector<float>& v, Shape shape) {
    Tensor t = Tensor::uninitialized(DType::F32, std::move(shape));
    std::copy(v.begin(), v.end(), t.data_mut<float>());
    return t;
}

std::vector<int64_t> sample_rows(int64_t rows) {
    std::vector<int64_t> s;
    for (int64_t i = 0; i < 16 && i < rows; ++i) s.push_back(rows <= 16 ? i : i * (rows - 1) / 15);
    return s;
}

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

double bf16(double x) {  // round to nearest even, written here with frexp: independent of the kernels
    if (x == 0) return 0;
    int e;
    const double m = std::frexp(x, &e);  // x = m 2^e, 0.5 <= |m| < 1: 8 significant bits kept
    return std::ldexp(std::nearbyint(std::ldexp(m, 8)), e - 8);
}

struct Case {
    int64_t rows, out, in;
    Epilogue epilogue;
};

const Case kCases[] = {
    {1568, 3072, 768, Epilogue::BiasActivation}, {1568, 768, 3072, Epilogue::BiasResidual},
    {1568, 2304, 768, Epilogue::Bias},           {17, 384, 1536, Epilogue::BiasResidual},
    {1, 400, 768, Epilogue::Bias},               {3, 1536, 384, Epilogue::BiasActivation},
    {197, 33, 80, Epilogue::BiasResidual},
    // VideoMAE V2 giant (hidden 1408, 16 heads of 88, MLP 6144) over its 2048 patches.
    {2048, 6144, 1408, Epilogue::BiasActivation}, {2048, 1408, 6144, Epilogue::BiasResidual},
    {2048, 4224, 1408, Epilogue::Bias},
};

// int8: w per output channel over [-127, 127]; x over the whole input as u8 with a zero point,
// in [0, 255] with VNNI/AMX, [0, 127] elsewhere (int8_quantization.h says why).
TEST(ReducedPrecisionLinear, Int8MatchesPlainQuantizedProducts) {
    for (const Case& c : kCases) {
        const auto x = random_normal(c.rows * c.in, 1);
        const auto w = random_normal(c.out * c.in, 2, 1.0f / std::sqrt(static_cast<float>(c.in)));
        const auto b = random_normal(c.out, 3);
        const auto residual = random_normal(c.rows * c.out, 4);
        auto linear = make_onednn_linear({tensor_of(w, {c.out, c.in}), tensor_of(b, {c.out}), c.epilogue}, Precision::INT8);
        std::vector<float> y = c.epilogue == Epilogue::BiasResidual ? residual : std::vector<float>(c.rows * c.out);
        linear->forward(x.data(), y.data(), c.rows);

        // The format's definition (int8_quantization.h) in float arithmetic, as it is specified:
        // q = round(x * (L / range)) + zero; computed in double, ties would round differently.
        float lo = 0, hi = 0;
        for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
        const float levels = int8_input_levels(), inverse = levels / (hi - lo);
        const double xs = static_cast<double>((hi - lo) / levels);
        const float zero = std::nearbyint(-lo * inverse);
        auto xq = [&](float v) {  // the integer, less the zero point
            return static_cast<double>(std::min(levels, std::max(0.0f, std::nearbyint(v * inverse) + zero)) - zero);
        };
        // The same input given as u8 (what LayerNorm writes on the int8 path): forward_u8 must give
        // the same products without quantizing anything itself.
        std::vector<uint8_t> x_u8(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) x_u8[i] = static_cast<uint8_t>(xq(x[i]) + zero);
        std::vector<float> y_u8 = c.epilogue == Epilogue::BiasResidual ? residual : std::vector<float>(c.rows * c.out);
        ASSERT_TRUE(linear->takes_u8());
        linear->forward_u8(x_u8.data(), (hi - lo) / levels, static_cast<int32_t>(zero), y_u8.data(), c.rows);
        double worst = 0, worst_u8 = 0, largest = 0;
        for (int64_t j = 0; j < c.out; ++j) {
            float wmax = 0;
            for (int64_t p = 0; p < c.in; ++p) wmax = std::max(wmax, std::fabs(w[j * c.in + p]));
            const double ws = static_cast<double>(wmax / 127.0f);
            const float w_inverse = 127.0f / wmax;
            for (int64_t i : sample_rows(c.rows)) {
                double acc = 0;
                for (int64_t p = 0; p < c.in; ++p) acc += xq(x[i * c.in + p]) * std::nearbyint(w[j * c.in + p] * w_inverse);
                double v = acc * ws * xs + b[j];
                if (c.epilogue == Epilogue::BiasActivation) v = gelu(v);
                if (c.epilogue == Epilogue::BiasResidual) v += residual[i * c.out + j];
                worst = std::max(worst, std::fabs(v - y[i * c.out + j]));
                worst_u8 = std::max(worst_u8, std::fabs(v - y_u8[i * c.out + j]));
                largest = std::max(largest, std::fabs(v));
            }
        }
        // Exact integer products: what is left is float rounding of the scales and the epilogue.
        EXPECT_LT(worst, 1e-5 * std::max(1.0, largest)) << c.rows << "x" << c.in << " -> " << c.out;
        EXPECT_LT(worst_u8, 1e-5 * std::max(1.0, largest)) << "u8 input: " << c.rows << "x" << c.in << " -> " << c.out;
    }
}

TEST(ReducedPrecisionLinear, Bf16InputsAndOutputsWithoutConversionPasses) {
    if (!cpu_features().has_bf16()) GTEST_SKIP() << "no AVX512-BF16 or AMX on this CPU";
    for (const Case& c : kCases) {
        const auto x = random_normal(c.rows * c.in, 1);
        const auto w = random_normal(c.out * c.in, 2, 1.0f / std::sqrt(static_cast<float>(c.in)));
        const auto b = random_normal(c.out, 3);
        const auto residual = random_normal(c.rows * c.out, 4);
        auto linear = make_onednn_linear({tensor_of(w, {c.out, c.in}), tensor_of(b, {c.out}), c.epilogue}, Precision::BF16);
        ASSERT_TRUE(linear->takes_bf16());
        std::vector<uint16_t> xb(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            const float r = static_cast<float>(bf16(x[i]));
            uint32_t bits;
            std::memcpy(&bits, &r, 4);
            xb[i] = static_cast<uint16_t>(bits >> 16);
        }
        // bf16 out only where an activation feeds the next product (fc1 -> fc2); else float32.
        const bool bf16_out = c.epilogue == Epilogue::BiasActivation;
        std::vector<float> y = c.epilogue == Epilogue::BiasResidual ? residual : std::vector<float>(c.rows * c.out);
        std::vector<uint16_t> yb(c.rows * c.out);
        if (bf16_out)
            linear->forward_bf16(xb.data(), true, yb.data(), true, c.rows);
        else
            linear->forward_bf16(xb.data(), true, y.data(), false, c.rows);
        double worst = 0;
        for (int64_t i : sample_rows(c.rows))
            for (int64_t j = 0; j < c.out; ++j) {
                double acc = b[j];
                for (int64_t p = 0; p < c.in; ++p) acc += bf16(x[i * c.in + p]) * bf16(w[j * c.in + p]);
                if (c.epilogue == Epilogue::BiasActivation) acc = gelu(acc);
                if (c.epilogue == Epilogue::BiasResidual) acc += residual[i * c.out + j];
                double got = y[i * c.out + j];
                if (bf16_out) {
                    const uint32_t bits = static_cast<uint32_t>(yb[i * c.out + j]) << 16;
                    float f;
                    std::memcpy(&f, &bits, 4);
                    got = f;
                    acc = bf16(acc);
                }
                // float32 accumulation of exact bf16 products; a bf16 output may round across one step.
                worst = std::max(worst, std::fabs(acc - got) / std::max(1.0, std::fabs(acc)));
            }
        EXPECT_LT(worst, bf16_out ? 8e-3 : 1e-4) << c.rows << "x" << c.in << " -> " << c.out;
    }
}

// LayerNorm (biased variance, eps 1e-6) of `rows` rows of x, in double.
std::vector<double> layer_norm_in_double(const std::vector<float>& x, const std::vector<float>& g,
                                         const std::vector<float>& b, int64_t rows, int64_t dim) {
    std::vector<double> y(rows * dim);
    for (int64_t r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < dim; ++i) mean += x[r * dim + i];
        mean /= dim;
        for (int64_t i = 0; i < dim; ++i) var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
        const double inv = 1.0 / std::sqrt(var / dim + 1e-6);
        for (int64_t i = 0; i < dim; ++i) y[r * dim + i] = (x[r * dim + i] - mean) * inv * g[i] + b[i];
    }
    return y;
}

TEST(ReducedPrecisionLinear, LayerNormWritesBf16RoundedToNearest) {
    const KernelSet& k = optimized_kernels();
    ASSERT_NE(k.layer_norm_bf16, nullptr);
    for (int64_t dim : {768, 17, 1024}) {
        const int64_t rows = 5;
        const auto x = random_normal(rows * dim, 5, 2.0f), g = random_normal(dim, 6), b = random_normal(dim, 7);
        std::vector<uint16_t> y(rows * dim);
        k.layer_norm_bf16(x.data(), g.data(), b.data(), y.data(), rows, dim, 1e-6f);
        const std::vector<double> want = layer_norm_in_double(x, g, b, rows, dim);
        double worst = 0;
        for (int64_t i = 0; i < rows * dim; ++i) {
            const uint32_t bits = static_cast<uint32_t>(y[i]) << 16;
            float got;
            std::memcpy(&got, &bits, 4);
            worst = std::max(worst, std::fabs(got - want[i]) / std::max(1e-3, std::fabs(want[i])));
        }
        EXPECT_LT(worst, 4.0 / 256) << dim;  // half a bf16 step (2^-9) plus float32 LayerNorm noise
    }
}

// int8: LayerNorm writes the next product's u8 input and its scale and zero point in one call
// (no float output, no quantization pass). Against LayerNorm in double, quantized by the format's
// definition: every value within half a step (plus float noise) of the true LayerNorm output,
// the range [min(y, 0), max(y, 0)] in `levels` steps. Every vector set this CPU runs.
TEST(ReducedPrecisionLinear, LayerNormWritesU8WithItsScaleAndZeroPoint) {
    for (const SimdKernels* simd : runnable_simd_kernels())
        for (float levels : {255.0f, 127.0f})
            for (auto [rows, dim] : {std::pair<int64_t, int64_t>{1, 768}, {5, 17}, {197, 1408}, {33, 1024}, {3, 64}}) {
                const auto x = random_normal(rows * dim, 5, 2.0f), g = random_normal(dim, 6), b = random_normal(dim, 7);
                std::vector<uint8_t> y(rows * dim, 0xAA);
                std::vector<float> stats(2 * rows);
                float scale = 0;
                int zero = -1;
                simd->layer_norm_u8(x.data(), g.data(), b.data(), y.data(), rows, dim, 1e-6f, levels, stats.data(),
                                    &scale, &zero);
                const std::vector<double> want = layer_norm_in_double(x, g, b, rows, dim);
                double lo = 0, hi = 0;
                for (double v : want) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
                const std::string where = std::string(simd->isa) + " levels " + std::to_string(levels) + " rows " +
                                          std::to_string(rows) + " dim " + std::to_string(dim);
                const double want_scale = (hi - lo) / levels;
                EXPECT_NEAR(scale, want_scale, 1e-5 * want_scale) << where;
                EXPECT_NEAR(zero, -lo / want_scale, 0.5 + 1e-3) << where;
                double worst = 0;
                for (int64_t i = 0; i < rows * dim; ++i)
                    worst = std::max(worst, std::fabs(scale * (static_cast<double>(y[i]) - zero) - want[i]));
                EXPECT_LE(worst, (0.5 + 1e-3) * want_scale) << where;  // rounded to the nearest step
            }
}

// int8: the attention output and fc1's GELU output become the next product's u8 input in one
// kernel call that finds the range and writes bytes. Against the format's definition in double
// (every value within half a step of x, range [min(x, 0), max(x, 0)] in `levels` steps) and,
// byte for byte, against the scalar int8_quantize_input that the reference emulation uses.
// Real sizes (1568 x 3072 GELU output, 197 x 768) and awkward ones; one-sided and all-zero input.
TEST(ReducedPrecisionLinear, QuantizeU8FindsTheRangeAndRoundsToTheNearestStep) {
    struct Case {
        int64_t n;
        float shift;  // added to every value: one-sided inputs
        float scale;  // 0: all zeros
    };
    const Case cases[] = {{1, 0.0f, 1.0f},     {17, 0.0f, 3.0f},     {197 * 768, 0.0f, 2.0f}, {1568 * 3072, 0.0f, 1.0f},
                          {4097, 9.0f, 1.0f},  {4095, -9.0f, 1.0f},  {33, 0.0f, 0.0f},        {3 * 1408 + 5, 0.17f, 0.05f}};
    for (const SimdKernels* simd : runnable_simd_kernels())
        for (float levels : {255.0f, 127.0f})
            for (const Case& c : cases) {
                std::vector<float> x = random_normal(c.n, 11, c.scale);
                for (float& v : x) v += c.shift;
                std::vector<uint8_t> q(c.n, 0xAA), want_q(c.n, 0x55);
                float scale = 0;
                int zero = -1;
                simd->quantize_u8(x.data(), q.data(), c.n, levels, &scale, &zero);
                const std::string where = std::string(simd->isa) + " levels " + std::to_string(levels) + " n " +
                                          std::to_string(c.n) + " shift " + std::to_string(c.shift);
                double lo = 0, hi = 0;
                for (float v : x) {
                    lo = std::min<double>(lo, v);
                    hi = std::max<double>(hi, v);
                }
                const double want_scale = hi > lo ? (hi - lo) / levels : 1.0;
                EXPECT_NEAR(scale, want_scale, 1e-6 * want_scale) << where;
                EXPECT_NEAR(zero, -lo / want_scale, 0.5 + 1e-3) << where;
                double worst = 0;
                int64_t out_of_range = 0;
                for (int64_t i = 0; i < c.n; ++i) {
                    worst = std::max(worst, std::fabs(scale * (static_cast<double>(q[i]) - zero) - x[i]));
                    out_of_range += q[i] > levels;
                }
                EXPECT_EQ(out_of_range, 0) << where;
                EXPECT_LE(worst, (0.5 + 1e-3) * want_scale) << where;
                const Int8Asymmetric a = int8_quantize_input(x.data(), want_q.data(), c.n, levels);
                EXPECT_EQ(scale, a.scale) << where;
                EXPECT_EQ(zero, a.zero) << where;
                EXPECT_TRUE(q == want_q) << where;
            }
}

}  // namespace
}  // namespace vivid::kernels
