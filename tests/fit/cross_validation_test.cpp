// L chosen by cross-validation: the library's choice against the tests' own folds and Newton
// fits, and on cases whose answer is known without computing.
#include "fit/cross_validation.h"

#include <gtest/gtest.h>

#include <random>

#include "fit/newton_softmax.h"
#include "vivid/vivid.h"

namespace vivid::test {
namespace {

LabelledVectors noisy(int64_t n, int64_t K, int64_t D, double signal, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    LabelledVectors data{D, K, {}, {}};
    for (int64_t i = 0; i < n; ++i) {
        const int64_t label = (i * 7 + 3) % K;
        for (int64_t j = 0; j < D; ++j) data.vectors.push_back(normal(rng) + (j % K == label ? signal : 0.0));
        data.labels.push_back(label);
    }
    return data;
}

TEST(CrossValidation, FoldsDealEachClassRoundRobin) {
    EXPECT_EQ(stratified_folds({0, 1, 0, 0, 1, 0, 1}, 2, 3), (std::vector<int>{0, 0, 1, 2, 1, 0, 2}));
}

TEST(CrossValidation, FoldsAreCappedByTheSmallestClass) {
    LabelledVectors data{1, 2, {0, 1, 2, 3, 4}, {0, 0, 0, 1, 1}};
    EXPECT_EQ(usable_folds(data, 5), 2);
    data.labels = {0, 0, 0, 0, 1};
    EXPECT_THROW(usable_folds(data, 5), Error);
}

// Per grid value the held-out cross-entropy, from the test's folds and Newton fits.
std::vector<double> newton_scores(const LabelledVectors& data, const std::vector<double>& grid, int folds) {
    std::vector<double> scores;
    for (double l2 : grid) {
        double total = 0;
        for (int fold = 0; fold < folds; ++fold) {
            std::vector<int> count(static_cast<std::size_t>(data.classes), 0);
            std::vector<double> train_x, held_x;
            std::vector<int64_t> train_y, held_y;
            for (int64_t i = 0; i < data.size(); ++i) {
                const int64_t y = data.labels[i];
                const bool held = count[y]++ % folds == fold;
                auto& x = held ? held_x : train_x;
                x.insert(x.end(), data.vectors.begin() + i * data.dimension, data.vectors.begin() + (i + 1) * data.dimension);
                (held ? held_y : train_y).push_back(y);
            }
            const NewtonHead h = newton_softmax(train_x, train_y, data.classes, data.dimension, l2);
            for (std::size_t i = 0; i < held_y.size(); ++i)
                total -= std::log(softmax_of(head_logits(h, held_x.data() + i * data.dimension, data.classes,
                                                         data.dimension))[held_y[i]]);
        }
        scores.push_back(total / static_cast<double>(data.size()));
    }
    return scores;
}

// The scores of every L tried (the grid, then the decades above it while the largest tried
// scores best), each against the test's own folds and Newton fits; the choice is their argmin.
CrossValidation checked_against_newton(const LabelledVectors& data, const std::vector<double>& grid, int folds,
                                       int extra_decades) {
    const CrossValidation cv = cross_validate(data, grid, folds, extra_decades);
    std::vector<double> tried;
    for (const GridScore& s : cv.scores) tried.push_back(s.l2);
    const std::vector<double> expected = newton_scores(data, tried, folds);
    EXPECT_EQ(cv.folds, folds);
    for (std::size_t i = 0; i < tried.size(); ++i) EXPECT_NEAR(cv.scores[i].log_loss, expected[i], 1e-6) << tried[i];
    EXPECT_EQ(cv.best_l2, tried[std::min_element(expected.begin(), expected.end()) - expected.begin()]);
    return cv;
}

TEST(CrossValidation, ChoosesWhatIndependentFoldsAndNewtonChoose) {
    const std::vector<double> grid{1e-3, 1e-2, 1e-1, 1.0};
    const CrossValidation cv = checked_against_newton(noisy(48, 3, 6, 1.0, 11), grid, 4, 0);
    EXPECT_EQ(cv.scores.size(), grid.size());
}

// A grid that stops below the best L: the decades above are tried until the loss rises again,
// and the L chosen is the one Newton's scores choose among them.
TEST(CrossValidation, BestPenaltyAboveTheGridIsFoundByDecades) {
    const CrossValidation cv = checked_against_newton(noisy(48, 3, 6, 1.0, 11), {1e-4, 1e-3}, 4, 4);
    ASSERT_GT(cv.scores.size(), 3u);
    ASSERT_LT(cv.scores.size(), 6u);  // stopped before the cap: the last decade scored worse
    EXPECT_GT(cv.best_l2, 1e-3);
    EXPECT_EQ(cv.best_l2, cv.scores[cv.scores.size() - 2].l2);
    for (std::size_t i = 2; i < cv.scores.size(); ++i) EXPECT_DOUBLE_EQ(cv.scores[i].l2, cv.scores[i - 1].l2 * 10);
}

TEST(CrossValidation, PureNoiseLabelsChooseTheLargestPenalty) {
    // Labels unrelated to the vectors: any weight only fits noise, so the heaviest penalty
    // (the head closest to the class frequencies) predicts held-out videos best: the grid's
    // largest, or with decades allowed, the largest of those.
    const LabelledVectors data = noisy(60, 3, 20, 0.0, 5);
    EXPECT_EQ(cross_validate(data, {1e-4, 1e-2, 1.0, 100.0}, 5).best_l2, 100.0);
    const CrossValidation cv = cross_validate(data, {1e-4, 1e-2, 1.0, 100.0}, 5, 3);
    ASSERT_EQ(cv.scores.size(), 7u);
    EXPECT_EQ(cv.best_l2, 1e5);
}

TEST(CrossValidation, CleanlySeparatedClassesChooseTheSmallestPenalty) {
    // Far-apart classes: a larger weight only makes held-out answers more confident and right.
    const LabelledVectors data = noisy(40, 2, 4, 8.0, 9);
    EXPECT_EQ(cross_validate(data, {1e-3, 1e-1, 10.0}, 4).best_l2, 1e-3);
}

}  // namespace
}  // namespace vivid::test
