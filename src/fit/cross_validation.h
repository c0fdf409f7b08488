// Choosing the head's L2 penalty when the user gives none: stratified k-fold cross-validation
// over a small grid, scored by the held-out mean cross-entropy (a proper score with no ties,
// unlike accuracy on a few dozen clips).
#pragma once

#include <cstdint>
#include <vector>

#include "fit/softmax_head.h"

namespace vivid {

struct GridScore {
    double l2 = 0;
    double log_loss = 0;  // held-out mean cross-entropy over every fold's videos
    double accuracy = 0;  // held-out accuracy over every fold's videos
};

struct CrossValidation {
    int folds = 0;
    std::vector<GridScore> scores{};  // one per grid value, in the grid's order, then the decades above
    double best_l2 = 0;               // the lowest log_loss (the first such on a tie)
};

// Fold of each vector: per class, its vectors in order are dealt round-robin to folds
// 0..folds-1, so every fold holds each class's share and the split is the same on every run.
std::vector<int> stratified_folds(const std::vector<int64_t>& labels, int64_t classes, int folds);

// The folds actually used: `requested` capped by the smallest class's count (each fold's
// training part must hold every class, else its unpenalised bias runs off to -infinity).
// An Error when some class has fewer than two vectors.
int usable_folds(const LabelledVectors& data, int requested);

// Every grid value is scored; then, while the lowest loss is at the largest L tried, 10x that L
// is tried too, up to `extra_decades` times (0: the grid only). Not below the smallest: a weaker
// penalty on well-separated classes only grows the weights, and there the solver's precision,
// not the data, would decide.
CrossValidation cross_validate(const LabelledVectors& data, const std::vector<double>& grid, int requested_folds,
                               int extra_decades = 0);

// The vectors whose fold is (or is not) `fold`.
LabelledVectors fold_part(const LabelledVectors& data, const std::vector<int>& folds, int fold, bool held_out);

}  // namespace vivid
