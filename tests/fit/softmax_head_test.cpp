// The library's L-BFGS head against the tests' own Newton solution of the same problem.
#include "fit/softmax_head.h"

#include <gtest/gtest.h>

#include <random>

#include "fit/newton_softmax.h"
#include "vivid/vivid.h"

namespace vivid::test {
namespace {

// n vectors around one centre per class (overlapping, so the minimiser is finite even at small L).
LabelledVectors clusters(int64_t n, int64_t K, int64_t D, double spread, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> centres(static_cast<std::size_t>(K * D));
    for (double& c : centres) c = normal(rng);
    LabelledVectors data{D, K, {}, {}};
    for (int64_t i = 0; i < n; ++i) {
        const int64_t label = i % K;
        for (int64_t j = 0; j < D; ++j) data.vectors.push_back(centres[label * D + j] + spread * normal(rng) + 3.0);
        data.labels.push_back(label);
    }
    return data;
}

struct Case {
    int64_t n, K, D;
    double spread, l2;
};

class SoftmaxHeadVsNewton : public ::testing::TestWithParam<Case> {};

TEST_P(SoftmaxHeadVsNewton, SameMinimiser) {
    const Case c = GetParam();
    const LabelledVectors data = clusters(c.n, c.K, c.D, c.spread, 7);
    const SoftmaxHead head = fit_softmax_head(data, c.l2);
    const NewtonHead newton = newton_softmax(data.vectors, data.labels, c.K, c.D, c.l2);
    EXPECT_LT(relative_difference(parameters(head.weight, head.bias), parameters(newton.weight, newton.bias)), 1e-4);
    EXPECT_LT(head.gradient_max_norm, 1e-6);
    double bias_sum = 0;
    for (double b : head.bias) bias_sum += b;
    EXPECT_NEAR(bias_sum, 0.0, 1e-12);
    // The objective the library reports is the one Newton minimised, at the same point.
    std::vector<double> x = head.weight, g(x.size() + head.bias.size());
    x.insert(x.end(), head.bias.begin(), head.bias.end());
    EXPECT_NEAR(softmax_head_objective(data, c.l2, x.data(), g.data()), head.objective, 1e-12);
    double newton_loss = 0;
    for (int64_t i = 0; i < data.size(); ++i) {
        const auto p = softmax_of(head_logits(newton, data.vectors.data() + i * c.D, c.K, c.D));
        newton_loss -= std::log(p[data.labels[i]]);
    }
    EXPECT_NEAR(mean_cross_entropy(head, data), newton_loss / static_cast<double>(data.size()), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxHeadVsNewton,
                         ::testing::Values(Case{40, 2, 3, 1.0, 1e-3}, Case{60, 3, 6, 1.0, 0.01},
                                           Case{90, 5, 8, 2.0, 1e-4}, Case{30, 3, 12, 0.5, 1.0},
                                           Case{7, 3, 1, 1.0, 0.1}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                             const Case& c = info.param;
                             return "n" + std::to_string(c.n) + "_K" + std::to_string(c.K) + "_D" + std::to_string(c.D) +
                                    "_case" + std::to_string(info.index);
                         });

TEST(SoftmaxHead, GradientMatchesFiniteDifferences) {
    const LabelledVectors data = clusters(20, 3, 4, 1.0, 3);
    std::vector<double> x(3 * 5), g(x.size()), unused(x.size());
    std::mt19937 rng(1);
    std::normal_distribution<double> normal(0.0, 0.3);
    for (double& v : x) v = normal(rng);
    softmax_head_objective(data, 0.05, x.data(), g.data());
    for (std::size_t q = 0; q < x.size(); ++q) {
        std::vector<double> up = x, down = x;
        up[q] += 1e-6;
        down[q] -= 1e-6;
        const double numeric = (softmax_head_objective(data, 0.05, up.data(), unused.data()) -
                                softmax_head_objective(data, 0.05, down.data(), unused.data())) / 2e-6;
        EXPECT_NEAR(g[q], numeric, 1e-7) << q;
    }
}

TEST(SoftmaxHead, NoPenaltyIsRefused) {
    // Separable classes have no minimiser without a penalty: the weights grow without end.
    LabelledVectors data{1, 2, {-1.0, -2.0, 1.0, 2.0}, {0, 0, 1, 1}};
    EXPECT_THROW(fit_softmax_head(data, 0.0), Error);
    EXPECT_THROW(fit_softmax_head(data, -1.0), Error);
    EXPECT_NO_THROW(fit_softmax_head(data, 1e-3));
}

TEST(SoftmaxHead, PredictsTheLargestLogit) {
    SoftmaxHead head{2, 1, {1.0, -1.0}, {0.5, -0.5}, 0, 0, 0};
    const LabelledVectors data{1, 2, {2.0, -2.0, -0.4, -0.6}, {0, 1, 0, 1}};
    EXPECT_EQ(predict_classes(head, data), (std::vector<int64_t>{0, 1, 0, 1}));
}

}  // namespace
}  // namespace vivid::test
