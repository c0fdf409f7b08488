// The fit summary and its picture, as functions of a report made by hand.
#include "fit_summary.h"

#include <gtest/gtest.h>

namespace vivid::cli {
namespace {

FitReport two_classes() {
    FitReport r;
    r.classes = {"fall", "walk & run"};
    r.train_counts = {3, 2};
    r.l2 = 0.01;
    r.l2_cross_validated = true;
    r.folds = 2;
    r.cv_l2 = {0.01, 1};
    r.cv_log_loss = {0.25, 0.5};
    r.cv_accuracy = {1, 0.8};
    r.iterations = 9;
    r.objective = 0.125;
    r.gradient_max_norm = 4e-7;
    r.train = {5, 0.8, {{3, 0}, {1, 1}}, {0.75, 1.0}, {1.0, 0.5}};
    r.skipped = {{"x.mp4", "x.mp4: cannot be decoded"}};
    return r;
}

TEST(FitSummary, TableOfClassesPenaltyScoresAndSkips) {
    EXPECT_EQ(fit_summary(two_classes()),
              "classes:\n"
              "  id  label       train\n"
              "   0  fall            3\n"
              "   1  walk & run      2\n"
              "l2: 0.01, chosen by 2-fold cross-validation (lowest held-out cross-entropy)\n"
              "       l2  held-out cross-entropy  held-out accuracy\n"
              "     0.01                  0.2500              1.000  <- chosen\n"
              "        1                  0.5000              0.800\n"
              "solver: L-BFGS, 9 iterations, objective 0.125, gradient max-norm 4e-07\n"
              "train: accuracy 0.800 (5 videos)\n"
              "  confusion (rows: true class, columns: predicted as id)\n"
              "                     0     1   precision  recall\n"
              "   0  fall           3     0       0.750   1.000\n"
              "   1  walk & run     1     1       1.000   0.500\n"
              "skipped 1 unreadable video:\n"
              "  x.mp4: cannot be decoded\n"
              "time: features 0.00 s, solve 0.00 s\n");
}

TEST(FitSummary, PictureHasEveryCellAndEscapedNames) {
    const std::string svg = confusion_svg(two_classes(), "fit <demo>");
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_NE(svg.find("fit &lt;demo&gt;"), std::string::npos);
    EXPECT_NE(svg.find(">1 walk &amp; run</text>"), std::string::npos);
    EXPECT_NE(svg.find("<title>true walk &amp; run, predicted fall: 1</title>"), std::string::npos);
    std::size_t cells = 0;
    for (std::size_t at = svg.find("<title>true"); at != std::string::npos; at = svg.find("<title>true", at + 1)) ++cells;
    EXPECT_EQ(cells, 4u);
    EXPECT_EQ(svg.find("val: accuracy"), std::string::npos);
}

}  // namespace
}  // namespace vivid::cli
