// What `vivid info --json` prints and `vivid serve` answers on GET /v1/model: one description
// of a loaded model folder, in one place.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "vivid/vivid.h"

namespace vivid::cli {

inline constexpr int kLabelsShown = 5;  // first_labels: the first few label names

nlohmann::json describe_model(const Model& model, const std::string& dir);

}  // namespace vivid::cli
