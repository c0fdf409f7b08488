// The optimized kernels against the plain reference ones, on awkward sizes (1, odd, prime),
// and the reference kernels against independent closed-form values.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"

namespace vivid::kernels {
namespace {

std::vector<float> random_vector(std::size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
    return worst;
}

const int64_t kSizes[] = {1, 2, 3, 7, 16, 17, 31, 64, 97};

TEST(Kernels, LinearMatchesReference) {
    for (int64_t m : kSizes)
        for (int64_t n : {int64_t{1}, int64_t{5}, int64_t{33}})
            for (int64_t k : {int64_t{1}, int64_t{13}, int64_t{64}}) {
                auto x = random_vector(m * k, 1), w = random_vector(n * k, 2), b = random_vector(n, 3);
                std::vector<float> ref(m * n), opt(m * n);
                reference_kernels().linear(x.data(), w.data(), b.data(), ref.data(), m, n, k);
                optimized_kernels().linear(x.data(), w.data(), b.data(), opt.data(), m, n, k);
                EXPECT_LT(max_diff(ref, opt), 1e-4) << m << "x" << n << "x" << k;
                optimized_kernels().linear(x.data(), w.data(), nullptr, opt.data(), m, n, k);
                reference_kernels().linear(x.data(), w.data(), nullptr, ref.data(), m, n, k);
                EXPECT_LT(max_diff(ref, opt), 1e-4) << "no bias " << m << "x" << n << "x" << k;
            }
}

TEST(Kernels, LinearReferenceIsAMatrixProduct) {
    // x = [[1,2],[3,4]], w = [[1,0],[1,1],[0,2]], b = [0.5, 0, -1]: y = x w^T + b.
    const float x[] = {1, 2, 3, 4}, w[] = {1, 0, 1, 1, 0, 2}, b[] = {0.5f, 0, -1};
    float y[6];
    reference_kernels().linear(x, w, b, y, 2, 3, 2);
    const float want[] = {1.5f, 3, 3, 3.5f, 7, 7};
    for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y[i], want[i]);
}

TEST(Kernels, LayerNormMatchesReferenceAndDefinition) {
    for (int64_t dim : kSizes) {
        const int64_t rows = 5;
        auto x = random_vector(rows * dim, 4, 3.0f), g = random_vector(dim, 5), b = random_vector(dim, 6);
        std::vector<float> ref(rows * dim), opt(rows * dim);
        reference_kernels().layer_norm(x.data(), g.data(), b.data(), ref.data(), rows, dim, 1e-6f);
        optimized_kernels().layer_norm(x.data(), g.data(), b.data(), opt.data(), rows, dim, 1e-6f);
        EXPECT_LT(max_diff(ref, opt), 1e-5) << dim;
    }
    // [1, 3] -> mean 2, var 1 -> [-1, 1] / sqrt(1 + eps) * gamma + beta.
    const float x[] = {1, 3}, g[] = {2, 2}, b[] = {1, 1};
    float y[2];
    reference_kernels().layer_norm(x, g, b, y, 1, 2, 0.0f);
    EXPECT_FLOAT_EQ(y[0], -1.0f);
    EXPECT_FLOAT_EQ(y[1], 3.0f);
}

TEST(Kernels, ActivationsMatchClosedForms) {
    // Values computed independently (Python math module) for x = 1.0.
    struct Case { Activation act; float want; };
    const Case cases[] = {{Activation::Gelu, 0.8413447460685429f},
                          {Activation::GeluFast, 0.841191990607477f},
                          {Activation::GeluNew, 0.841191990607477f},
                          {Activation::GeluPytorchTanh, 0.841191990607477f},
                          {Activation::QuickGelu, 0.8457957659328212f},
                          {Activation::Relu, 1.0f},
                          {Activation::Silu, 0.7310585786300049f}};
    for (const Case& c : cases) {
        float v = 1.0f, w = 1.0f;
        reference_kernels().activation(c.act, &v, 1);
        optimized_kernels().activation(c.act, &w, 1);
        EXPECT_NEAR(v, c.want, 1e-6) << static_cast<int>(c.act);
        EXPECT_EQ(v, w);
    }
    float neg = -2.0f;
    reference_kernels().activation(Activation::Relu, &neg, 1);
    EXPECT_EQ(neg, 0.0f);
}

TEST(Kernels, AttentionMatchesReference) {
    for (int64_t tokens : {int64_t{1}, int64_t{2}, int64_t{17}, int64_t{65}})
        for (int64_t heads : {int64_t{1}, int64_t{3}})
            for (int64_t head_dim : {int64_t{1}, int64_t{8}, int64_t{24}}) {
                const int64_t batch = 2, d = heads * head_dim;
                auto qkv = random_vector(batch * tokens * 3 * d, 7);
                std::vector<float> ref(batch * tokens * d), opt(batch * tokens * d);
                const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
                reference_kernels().attention(qkv.data(), ref.data(), batch, tokens, heads, head_dim, scale);
                optimized_kernels().attention(qkv.data(), opt.data(), batch, tokens, heads, head_dim, scale);
                EXPECT_LT(max_diff(ref, opt), 1e-5) << tokens << " " << heads << " " << head_dim;
            }
}

TEST(Kernels, AttentionOfOneTokenReturnsItsValue) {
    // With a single token the softmax is 1, so the output is v itself.
    const float qkv[] = {0.3f, -1.0f, 2.0f, 5.0f, 7.0f, -9.0f};  // q | k | v for 2 heads of 1
    float out[2];
    reference_kernels().attention(qkv, out, 1, 1, 2, 1, 1.0f);
    EXPECT_FLOAT_EQ(out[0], 7.0f);
    EXPECT_FLOAT_EQ(out[1], -9.0f);
}

TEST(Kernels, UnknownActivationIsAnError) {
    EXPECT_THROW(parse_activation("gelu_10", "config.json"), std::exception);
    EXPECT_EQ(parse_activation("gelu_fast", "c"), Activation::GeluFast);
}

}  // namespace
}  // namespace vivid::kernels
