#include "fit/fit_report.h"

#include <gtest/gtest.h>

namespace vivid::test {
namespace {

TEST(FitReport, ScoresCountedByHand) {
    // One weight per class on a 1-D vector: class 0 wins below 0, class 1 above.
    const SoftmaxHead head{2, 1, {-1.0, 1.0}, {0.0, 0.0}, 0, 0, 0};
    // True classes 0, 0, 0, 1, 1 predicted 0, 0, 1, 1, 0.
    const LabelledVectors data{1, 2, {-1, -2, 1, 2, -3}, {0, 0, 0, 1, 1}};
    const FitScores s = score_head(head, data);
    EXPECT_EQ(s.videos, 5);
    EXPECT_DOUBLE_EQ(s.accuracy, 3.0 / 5.0);
    EXPECT_EQ(s.confusion, (std::vector<std::vector<int64_t>>{{2, 1}, {1, 1}}));
    EXPECT_DOUBLE_EQ(s.precision[0], 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(s.recall[0], 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(s.precision[1], 1.0 / 2.0);
    EXPECT_DOUBLE_EQ(s.recall[1], 1.0 / 2.0);
}

TEST(FitReport, JsonCarriesEveryPart) {
    FitReport r;
    r.classes = {"a", "b"};
    r.train_counts = {2, 3};
    r.val_counts = {1, 1};
    r.l2 = 0.01;
    r.l2_cross_validated = true;
    r.folds = 2;
    r.cv_l2 = {0.01, 1.0};
    r.cv_log_loss = {0.2, 0.5};
    r.cv_accuracy = {1.0, 0.8};
    r.iterations = 12;
    r.train = {5, 0.8, {{2, 0}, {1, 2}}, {2.0 / 3, 1.0}, {1.0, 2.0 / 3}};
    r.val = FitScores{2, 0.5, {{1, 0}, {1, 0}}, {0.5, 0.0}, {1.0, 0.0}};
    r.skipped = {{"x.mp4", "x.mp4: cannot be decoded"}};
    const auto j = nlohmann::json::parse(fit_report_json(r, {{"model", "M"}}));
    EXPECT_EQ(j["model"], "M");
    EXPECT_EQ(j["classes"][1]["label"], "b");
    EXPECT_EQ(j["classes"][1]["train_videos"], 3);
    EXPECT_EQ(j["l2"], 0.01);
    EXPECT_EQ(j["l2_chosen_by"]["folds"], 2);
    EXPECT_EQ(j["l2_chosen_by"]["grid"][1]["log_loss"], 0.5);
    EXPECT_EQ(j["solver"]["iterations"], 12);
    EXPECT_EQ(j["train"]["accuracy"], 0.8);
    EXPECT_EQ(j["train"]["confusion"][1][0], 1);
    EXPECT_EQ(j["val"]["per_class"][0]["precision"], 0.5);
    EXPECT_EQ(j["skipped"][0]["path"], "x.mp4");
}

}  // namespace
}  // namespace vivid::test
