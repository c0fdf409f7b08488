// What `vivid fit` prints when it is done: the classes and their videos, the penalty (and the
// cross-validation grid it was chosen from), the solver, accuracies and confusion matrices,
// per-class precision and recall, and the videos skipped; and the confusion matrices as a picture.
#pragma once

#include <string>

#include "vivid/vivid.h"

namespace vivid::cli {

std::string fit_summary(const FitReport& report);

// One panel per scored set (train, then val), rows the true class, columns the predicted one,
// each cell shaded by its share of the row and labelled with its count. Plain SVG.
std::string confusion_svg(const FitReport& report, const std::string& title);

}  // namespace vivid::cli
