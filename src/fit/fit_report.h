// What a fit tells its user: the scores of a head on a labelled set, and fit_report.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "fit/softmax_head.h"
#include "vivid/vivid.h"

namespace vivid {

// Accuracy, confusion matrix (rows: true class) and per-class precision and recall of `head`.
FitScores score_head(const SoftmaxHead& head, const LabelledVectors& data);

// fit_report.json's text: `settings` (the model, the features' precision and views, ...) then
// the report's classes, penalty, solver, scores and skipped videos.
std::string fit_report_json(const FitReport& report, const nlohmann::ordered_json& settings);

}  // namespace vivid
