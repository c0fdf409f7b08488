#include "fit/cross_validation.h"

#include <algorithm>
#include <string>

#include "vivid/vivid.h"

namespace vivid {

std::vector<int> stratified_folds(const std::vector<int64_t>& labels, int64_t classes, int folds) {
    std::vector<int> next(static_cast<std::size_t>(classes), 0);
    std::vector<int> out;
    out.reserve(labels.size());
    for (int64_t label : labels) {
        int& n = next[static_cast<std::size_t>(label)];
        out.push_back(n);
        n = (n + 1) % folds;
    }
    return out;
}

int usable_folds(const LabelledVectors& data, int requested) {
    std::vector<int64_t> counts(static_cast<std::size_t>(data.classes), 0);
    for (int64_t label : data.labels) ++counts[static_cast<std::size_t>(label)];
    const int64_t smallest = *std::min_element(counts.begin(), counts.end());
    if (smallest < 2)
        throw Error("fit", "choosing the L2 penalty by cross-validation needs at least 2 videos per class (a class "
                           "has " + std::to_string(smallest) + "); give one with --l2");
    return static_cast<int>(std::min<int64_t>(std::max(requested, 2), smallest));
}

LabelledVectors fold_part(const LabelledVectors& data, const std::vector<int>& folds, int fold, bool held_out) {
    LabelledVectors part{data.dimension, data.classes, {}, {}};
    for (int64_t i = 0; i < data.size(); ++i) {
        if ((folds[static_cast<std::size_t>(i)] == fold) != held_out) continue;
        const auto row = data.vectors.begin() + i * data.dimension;
        part.vectors.insert(part.vectors.end(), row, row + data.dimension);
        part.labels.push_back(data.labels[static_cast<std::size_t>(i)]);
    }
    return part;
}

CrossValidation cross_validate(const LabelledVectors& data, const std::vector<double>& grid, int requested_folds,
                               int extra_decades) {
    if (grid.empty()) throw Error("l2_grid", "is empty");
    CrossValidation cv;
    cv.folds = usable_folds(data, requested_folds);
    const std::vector<int> folds = stratified_folds(data.labels, data.classes, cv.folds);
    std::vector<SoftmaxHead> warm(static_cast<std::size_t>(cv.folds));  // each fold's last solution
    auto score = [&](double l2) {
        GridScore s{l2, 0, 0};
        for (int fold = 0; fold < cv.folds; ++fold) {
            const LabelledVectors train = fold_part(data, folds, fold, false);
            const LabelledVectors held = fold_part(data, folds, fold, true);
            SoftmaxHead& head = warm[static_cast<std::size_t>(fold)];
            head = fit_softmax_head(train, l2, head.classes > 0 ? &head : nullptr);
            s.log_loss += mean_cross_entropy(head, held) * static_cast<double>(held.size());
            const std::vector<int64_t> predicted = predict_classes(head, held);
            for (std::size_t i = 0; i < predicted.size(); ++i) s.accuracy += predicted[i] == held.labels[i];
        }
        s.log_loss /= static_cast<double>(data.size());
        s.accuracy /= static_cast<double>(data.size());
        cv.scores.push_back(s);
    };
    for (double l2 : grid) score(l2);
    auto best = [&] {
        return std::min_element(cv.scores.begin(), cv.scores.end(),
                                [](const GridScore& a, const GridScore& b) { return a.log_loss < b.log_loss; });
    };
    // The lowest loss at the grid's largest L: the best L may lie beyond, so L grows by decades
    // while the loss keeps falling (the warm starts carry on from the last solutions).
    double top = *std::max_element(grid.begin(), grid.end());
    for (int extra = 0; extra < extra_decades && top > 0 && best()->l2 == top; ++extra) score(top *= 10.0);
    cv.best_l2 = best()->l2;
    return cv;
}

}  // namespace vivid
