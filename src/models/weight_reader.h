// Takes named weights out of a checkpoint with the shapes the config implies; a missing
// weight or a wrong shape is an error naming the weights file, the weight and both shapes.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace vivid {

class WeightReader {
public:
    WeightReader(const TensorMap& weights, std::string source)
        : weights_(weights), source_(std::move(source)) {}

    // An owned, contiguous float32 copy (bf16/f16 weights are widened).
    Tensor take(const std::string& name, const Shape& shape) const;
    // The same values without a copy where the checkpoint holds contiguous, aligned float32
    // (a read-only view of the mapped file); otherwise as take().
    Tensor view(const std::string& name, const Shape& shape) const;
    bool has(const std::string& name) const { return weights_.count(name) != 0; }
    const std::string& source() const { return source_; }
    // Names present in the checkpoint that no take() asked for.
    std::vector<std::string> untaken() const;

private:
    // The named tensor, checked for presence, shape and a floating dtype.
    const Tensor& find(const std::string& name, const Shape& shape) const;
    const TensorMap& weights_;
    std::string source_;
    mutable std::set<std::string> taken_;
};

}  // namespace vivid
