// Comparing a model's outputs with reference values, as the HF conversion scripts assert them.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace vivid {

// The leading block of logits that a description like "logits[0, :3]" or
// "logits[0, :3, :3]" names, flattened row-major. Throws vivid::Error for other forms.
std::vector<float> logits_slice(const Tensor& logits, const std::string& description);

// The first `count` values of logits[0], flattened (what `vivid verify --expect-logits` reads).
std::vector<float> leading_logits(const Tensor& logits, std::size_t count);

struct Comparison {
    double max_difference = 0;
    bool passed = false;
};
Comparison compare_values(const std::vector<float>& actual, const std::vector<float>& expected, double atol);

// "PASS logits[0, :3] max |diff| 2.1e-05 <= 1e-04" style line.
std::string comparison_line(const std::string& what, const Comparison& c, double atol);

}  // namespace vivid
