// The kernels against plain computations written here, in double precision, on real model
// sizes (768/1024 hidden, 3072/4096 MLP, 1568/3137 tokens) and on awkward ones (1, 17, 197,
// 1569 tokens; head sizes 17, 32, 64, 80; batch 3; rows that are no multiple of any tile).
// Large cases check a spread of sampled rows (first, last, and between) against the plain
// computation, which would take minutes for every row.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/kernels.h"
#include "kernels/linear.h"
#include "test_support.h"
#include "kernels/simd/simd_kernels.h"
#include "core/tensor.h"

namespace vivid::kernels {
namespace wide_on_avx2 {
const SimdKernels& kernels();
}
namespace {

// Every kernel set this CPU runs, plus the AVX-512 logic built for AVX2 (simd_wide_on_avx2.cpp).
std::vector<const SimdKernels*> simd_sets_to_test() {
    std::vector<const SimdKernels*> sets = runnable_simd_kernels();
    if (cpu_features().avx2_fma) sets.push_back(&wide_on_avx2::kernels());
    return sets;
}

using test::random_normal;

Tensor tensor_of(const std::vector<float>& v, Shape shape) {
    Tensor t = Tensor::uninitialized(DType::F32, std::move(shape));
    std::copy(v.begin(), v.end(), t.data_mut<float>());
    return t;
}

// Rows 0, 1, last, and a spread in between: the plain computation is too slow for every row.
std::vector<int64_t> sample_rows(int64_t rows, int64_t count = 24) {
    std::vector<int64_t> s;
    for (int64_t i = 0; i < count && i < rows; ++i) s.push_back(rows <= count ? i : i * (rows - 1) / (count - 1));
    return s;
}

// HF's activation formulas in double (transformers/activations.py), independent of the kernels.
double plain_activation(Activation act, double x) {
    const double pi = 3.14159265358979323846;
    switch (act) {
        case Activation::Gelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        case Activation::GeluFast:
        case Activation::GeluNew:
        case Activation::GeluPytorchTanh:
            return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / pi) * (x + 0.044715 * x * x * x)));
        case Activation::QuickGelu: return x / (1.0 + std::exp(-1.702 * x));
        case Activation::Relu: return x > 0 ? x : 0.0;
        case Activation::Silu: return x / (1.0 + std::exp(-x));
    }
    return x;
}

struct LinearCase {
    int64_t rows, out, in;
};

// y = epilogue(x w^T + b) checked row by row against a double-precision computation.
void check_linear(const KernelSet& k, LinearCase c, Epilogue epilogue, Activation act, double tol) {
    const auto x = random_normal(c.rows * c.in, 1);
    const auto w = random_normal(c.out * c.in, 2, 1.0f / std::sqrt(static_cast<float>(c.in)));
    const auto b = random_normal(c.out, 3);
    const auto residual = random_normal(c.rows * c.out, 4);
    auto linear = k.make_linear({tensor_of(w, {c.out, c.in}), tensor_of(b, {c.out}), epilogue, act}, Precision::F32);
    std::vector<float> y = epilogue == Epilogue::BiasResidual ? residual : std::vector<float>(c.rows * c.out, 0.0f);
    linear->forward(x.data(), y.data(), c.rows);
    double worst = 0;
    for (int64_t i : sample_rows(c.rows))
        for (int64_t j = 0; j < c.out; ++j) {
            double acc = b[j];
            for (int64_t p = 0; p < c.in; ++p) acc += static_cast<double>(x[i * c.in + p]) * w[j * c.in + p];
            if (epilogue == Epilogue::BiasActivation) acc = plain_activation(act, acc);
            if (epilogue == Epilogue::BiasResidual) acc += residual[i * c.out + j];
            worst = std::max(worst, std::fabs(acc - y[i * c.out + j]));
        }
    EXPECT_LT(worst, tol) << k.name << " " << c.rows << "x" << c.in << " -> " << c.out << " epilogue "
                          << static_cast<int>(epilogue) << " activation " << static_cast<int>(act);
}

TEST(Kernels, LinearAwkwardSizesAllEpilogues) {
    for (const KernelSet* k : {&optimized_kernels(), &reference_kernels()})
        for (int64_t rows : {1, 2, 17, 197})
            for (int64_t out : {1, 5, 33})
                for (int64_t in : {1, 13, 64}) {
                    check_linear(*k, {rows, out, in}, Epilogue::Bias, Activation::Gelu, 1e-5);
                    check_linear(*k, {rows, out, in}, Epilogue::BiasResidual, Activation::Gelu, 1e-5);
                }
}

TEST(Kernels, LinearEveryActivation) {
    for (const KernelSet* k : {&optimized_kernels(), &reference_kernels()})
        for (Activation act : {Activation::Gelu, Activation::GeluFast, Activation::GeluNew, Activation::GeluPytorchTanh,
                               Activation::QuickGelu, Activation::Relu, Activation::Silu})
            check_linear(*k, {19, 37, 48}, Epilogue::BiasActivation, act, 1e-5);
}

TEST(Kernels, LinearRealModelSizes) {
    const KernelSet& k = optimized_kernels();
    check_linear(k, {1568, 2304, 768}, Epilogue::Bias, Activation::Gelu, 1e-4);           // VideoMAE-B qkv
    check_linear(k, {1568, 3072, 768}, Epilogue::BiasActivation, Activation::Gelu, 1e-4);  // fc1 + gelu
    check_linear(k, {3137, 768, 3072}, Epilogue::BiasResidual, Activation::Gelu, 1e-4);   // ViViT-B fc2
    check_linear(k, {1569, 4096, 1024}, Epilogue::BiasActivation, Activation::GeluFast, 1e-4);  // L fc1
    check_linear(k, {3, 1024, 4096}, Epilogue::BiasResidual, Activation::Gelu, 1e-4);
    check_linear(k, {17, 4096, 1024}, Epilogue::BiasActivation, Activation::GeluFast, 1e-4);  // L FE temporal fc1
}

TEST(Kernels, LinearWithoutBiasAndInPlaceWeights) {
    // A read-only weight buffer, as a mapped file gives, and no bias.
    const int64_t rows = 7, out = 9, in = 11;
    const auto x = random_normal(rows * in, 5), w = random_normal(out * in, 6);
    auto linear = optimized_kernels().make_linear({tensor_of(w, {out, in}), Tensor(), Epilogue::Bias, Activation::Gelu},
                                                  Precision::F32);
    std::vector<float> y(rows * out);
    linear->forward(x.data(), y.data(), rows);
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < out; ++j) {
            double acc = 0;
            for (int64_t p = 0; p < in; ++p) acc += static_cast<double>(x[i * in + p]) * w[j * in + p];
            EXPECT_NEAR(y[i * out + j], acc, 1e-5);
        }
}

TEST(Kernels, LinearReferenceIsAMatrixProduct) {
    // x = [[1,2],[3,4]], w = [[1,0],[1,1],[0,2]], b = [0.5, 0, -1]: y = x w^T + b.
    auto linear = reference_kernels().make_linear(
        {tensor_of({1, 0, 1, 1, 0, 2}, {3, 2}), tensor_of({0.5f, 0, -1}, {3}), Epilogue::Bias, Activation::Gelu},
        Precision::F32);
    const float x[] = {1, 2, 3, 4};
    float y[6];
    linear->forward(x, y, 2);
    const float want[] = {1.5f, 3, 3, 3.5f, 7, 7};
    for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y[i], want[i]);
}

TEST(Kernels, Bf16RoundingIsNearestEven) {
    // bf16 keeps 8 significant bits: 1 + 2^-8 is a tie between 1 and 1 + 2^-7 -> even (1).
    EXPECT_EQ(round_to_bf16(1.0f + 1.0f / 256), 1.0f);
    EXPECT_EQ(round_to_bf16(1.0f + 3.0f / 256), 1.0f + 4.0f / 256);  // tie -> even mantissa
    EXPECT_EQ(round_to_bf16(1.0f + 1.0f / 300), 1.0f);  // below half a step (2^-8)
    EXPECT_EQ(round_to_bf16(-3.0f), -3.0f);
    EXPECT_TRUE(std::isnan(round_to_bf16(NAN)));
}

TEST(Kernels, Bf16LinearNeedsBf16Hardware) {
    auto make = [] {
        return optimized_kernels().make_linear(
            {tensor_of(random_normal(64 * 32, 1), {64, 32}), Tensor(), Epilogue::Bias, Activation::Gelu},
            Precision::BF16);
    };
    if (!cpu_features().has_bf16()) {
        EXPECT_THROW(make(), std::exception);
        return;
    }
    // Where the hardware exists: the oneDNN bf16 layer against the bf16-rounding reference.
    const int64_t rows = 33;
    const auto x = random_normal(rows * 32, 2);
    const auto w = random_normal(64 * 32, 1);
    auto fast = make();
    auto ref = reference_kernels().make_linear({tensor_of(w, {64, 32}), Tensor(), Epilogue::Bias, Activation::Gelu},
                                               Precision::BF16);
    std::vector<float> a(rows * 64), b(rows * 64);
    fast->forward(x.data(), a.data(), rows);
    ref->forward(x.data(), b.data(), rows);
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4);
}

void plain_layer_norm_row(const float* x, const float* g, const float* b, double* y, int64_t dim, double eps) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < dim; ++i) mean += x[i];
    mean /= static_cast<double>(dim);
    for (int64_t i = 0; i < dim; ++i) var += (x[i] - mean) * (x[i] - mean);
    var /= static_cast<double>(dim);
    for (int64_t i = 0; i < dim; ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps) * g[i] + b[i];
}

void check_layer_norm(void (*layer_norm)(const float*, const float*, const float*, float*, int64_t, int64_t, float),
                      const char* name, int64_t rows, int64_t dim) {
    // An offset mean, as real activations have, tests the two-pass variance.
    auto x = random_normal(rows * dim, 4, 3.0f);
    for (float& v : x) v += 5.0f;
    const auto g = random_normal(dim, 5), b = random_normal(dim, 6);
    std::vector<float> y(rows * dim);
    layer_norm(x.data(), g.data(), b.data(), y.data(), rows, dim, 1e-12f);
    std::vector<double> want(dim);
    double worst = 0;
    for (int64_t r : sample_rows(rows)) {
        plain_layer_norm_row(x.data() + r * dim, g.data(), b.data(), want.data(), dim, 1e-12);
        for (int64_t i = 0; i < dim; ++i) worst = std::max(worst, std::fabs(want[i] - y[r * dim + i]));
    }
    EXPECT_LT(worst, 2e-5) << name << " rows " << rows << " dim " << dim;
    // In place gives the same result.
    layer_norm(x.data(), g.data(), b.data(), x.data(), rows, dim, 1e-12f);
    EXPECT_EQ(x, y) << name << " in place";
}

TEST(Kernels, LayerNormEveryInstructionSetAndReference) {
    for (const SimdKernels* simd : simd_sets_to_test())
        for (auto [rows, dim] : {std::pair<int64_t, int64_t>{1, 1}, {3, 7}, {5, 17}, {197, 384}, {1569, 768},
                                 {3137, 768}, {4, 1024}, {2, 1031}})
            check_layer_norm(simd->layer_norm, simd->isa, rows, dim);
    check_layer_norm(reference_kernels().layer_norm, "reference", 5, 768);
    // [1, 3] -> mean 2, var 1 -> [-1, 1] * gamma + beta.
    const float x[] = {1, 3}, g[] = {2, 2}, b[] = {1, 1};
    float y[2];
    optimized_kernels().layer_norm(x, g, b, y, 1, 2, 0.0f);
    EXPECT_FLOAT_EQ(y[0], -1.0f);
    EXPECT_FLOAT_EQ(y[1], 3.0f);
}

struct AttentionCase {
    int64_t batch, tokens, query_rows, heads, head_dim;
};

// Plain softmax(q k^T * scale) v in double for one query row of one clip, every head.
void plain_attention_row(const std::vector<float>& qkv, const AttentionCase& c, int64_t b, int64_t i, double scale,
                         std::vector<double>& out) {
    const int64_t d = c.heads * c.head_dim;
    std::vector<double> p(c.tokens);
    auto at = [&](int64_t token, int64_t part, int64_t h, int64_t ch) {
        return static_cast<double>(qkv[(b * c.tokens + token) * 3 * d + part * d + h * c.head_dim + ch]);
    };
    for (int64_t h = 0; h < c.heads; ++h) {
        double mx = -INFINITY;
        for (int64_t j = 0; j < c.tokens; ++j) {
            double s = 0;
            for (int64_t ch = 0; ch < c.head_dim; ++ch) s += at(i, 0, h, ch) * at(j, 1, h, ch);
            p[j] = s * scale;
            mx = std::max(mx, p[j]);
        }
        double sum = 0;
        for (double& v : p) sum += (v = std::exp(v - mx));
        for (int64_t ch = 0; ch < c.head_dim; ++ch) {
            double acc = 0;
            for (int64_t j = 0; j < c.tokens; ++j) acc += p[j] * at(j, 2, h, ch);
            out[h * c.head_dim + ch] = acc / sum;
        }
    }
}

template <typename Run>
void check_attention(const AttentionCase& c, const char* name, Run run) {
    const int64_t d = c.heads * c.head_dim;
    // Scores with a spread of a few units, as trained models have, so softmax is not flat.
    const auto qkv = random_normal(c.batch * c.tokens * 3 * d, 7, 1.5f);
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    std::vector<float> out(c.batch * c.query_rows * d, NAN);
    run(qkv.data(), out.data(), c, scale);
    std::vector<double> want(d);
    double worst = 0;
    for (int64_t b = 0; b < c.batch; ++b)
        for (int64_t i : sample_rows(c.query_rows, 12)) {
            plain_attention_row(qkv, c, b, i, scale, want);
            for (int64_t j = 0; j < d; ++j) {
                const double got = out[(b * c.query_rows + i) * d + j];
                worst = std::max(worst, std::isfinite(got) ? std::fabs(want[j] - got) : INFINITY);
            }
        }
    EXPECT_LT(worst, 2e-5) << name << " batch " << c.batch << " tokens " << c.tokens << " query rows " << c.query_rows
                           << " heads " << c.heads << " head_dim " << c.head_dim;
}

const AttentionCase kAttentionCases[] = {
    {1, 1, 1, 1, 64},      {3, 17, 17, 3, 80},   {2, 197, 197, 2, 32},  {1, 50, 1, 4, 64},
    {3, 197, 1, 12, 64},   {1, 300, 300, 2, 17}, {2, 1569, 1569, 2, 64}, {1, 1568, 1568, 12, 64},
    {1, 3137, 3137, 12, 64}, {1, 1568, 1568, 16, 64}, {1, 3137, 1, 12, 64},
    // The factorised encoder: ViViT-B/L FE's spatial encoder over 16 slots of 197 tokens (its
    // last block for CLS alone), and the temporal one over 17 tokens.
    {16, 197, 197, 12, 64}, {16, 197, 1, 16, 64}, {1, 17, 17, 16, 64}, {3, 17, 1, 12, 64},
    // VideoMAE V2 giant: 16 heads of 88 over 2048 patches (+1 with a CLS row); head size 12.
    {1, 2049, 2049, 16, 88}, {1, 2048, 1, 16, 88}, {3, 17, 17, 3, 88}, {2, 197, 197, 2, 12}, {1, 1568, 1568, 2, 12},
};

TEST(Kernels, AttentionEveryInstructionSet) {
    for (const SimdKernels* simd : simd_sets_to_test())
        for (const AttentionCase& c : kAttentionCases) {
            // The emulated 512-bit logic runs at a fraction of native speed: its edge cases are
            // the small shapes; the largest ones add nothing to them but minutes.
            if (simd == &wide_on_avx2::kernels() && c.tokens * c.query_rows * c.heads > 1569 * 1569 * 2) continue;
            check_attention(c, simd->isa, [&](const float* qkv, float* out, const AttentionCase& a, float scale) {
                for (int threads : {1, 2}) {
                    std::vector<float> ws(
                        simd->attention_workspace_floats(a.batch, a.tokens, a.query_rows, a.heads, a.head_dim, threads));
                    simd->attention(qkv, out, a.batch, a.tokens, a.query_rows, a.heads, a.head_dim, scale, ws.data(),
                                    threads);
                }
            });
        }
}

TEST(Kernels, AttentionReferenceAndKernelTable) {
    for (const KernelSet* k : {&optimized_kernels(), &reference_kernels()})
        for (const AttentionCase& c : {AttentionCase{3, 17, 17, 3, 80}, AttentionCase{2, 197, 1, 2, 32}})
            check_attention(c, k->name, [&](const float* qkv, float* out, const AttentionCase& a, float scale) {
                k->attention(qkv, out, a.batch, a.tokens, a.query_rows, a.heads, a.head_dim, scale);
            });
}

TEST(Kernels, AttentionOfOneTokenReturnsItsValue) {
    // With a single token the softmax is 1, so the output is v itself.
    const float qkv[] = {0.3f, -1.0f, 2.0f, 5.0f, 7.0f, -9.0f};  // q | k | v for 2 heads of 1
    for (const KernelSet* k : {&optimized_kernels(), &reference_kernels()}) {
        float out[2];
        k->attention(qkv, out, 1, 1, 1, 2, 1, 1.0f);
        EXPECT_FLOAT_EQ(out[0], 7.0f) << k->name;
        EXPECT_FLOAT_EQ(out[1], -9.0f) << k->name;
    }
}

TEST(Kernels, AttentionSurvivesLargeScores) {
    // Scores of +-200 overflow a naive exp; the max subtraction must keep the result exact:
    // one key dominates, so each output is that key's value.
    const int64_t tokens = 37, head_dim = 8;
    std::vector<float> qkv(tokens * 3 * head_dim, 0.0f);
    for (int64_t t = 0; t < tokens; ++t) {
        qkv[t * 3 * head_dim] = 10.0f;                                         // q = (10, 0, ...)
        qkv[t * 3 * head_dim + head_dim] = t == 23 ? 20.0f : -20.0f;            // k: key 23 wins
        for (int64_t c = 0; c < head_dim; ++c) qkv[t * 3 * head_dim + 2 * head_dim + c] = static_cast<float>(t);
    }
    std::vector<float> out(tokens * head_dim);
    optimized_kernels().attention(qkv.data(), out.data(), 1, tokens, tokens, 1, head_dim, 1.0f);
    for (float v : out) EXPECT_FLOAT_EQ(v, 23.0f);
}

TEST(Kernels, UnknownActivationIsAnError) {
    EXPECT_THROW(parse_activation("gelu_10", "config.json"), std::exception);
    EXPECT_EQ(parse_activation("gelu_fast", "c"), Activation::GeluFast);
}

}  // namespace
}  // namespace vivid::kernels
