#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "vivid/vivid.h"
#include "models/masking.h"

namespace vivid {

Tensor tube_mask(int64_t batch, int64_t time_slices, int64_t patches_per_slice, double ratio, uint64_t seed) {
    if (!(ratio >= 0.0 && ratio < 1.0)) throw Error("mask ratio " + std::to_string(ratio), "must be at least 0 and below 1");
    const auto masked = static_cast<int64_t>(ratio * static_cast<double>(patches_per_slice));
    Tensor mask = Tensor::zeros(DType::U8, {batch, time_slices * patches_per_slice});
    std::mt19937_64 rng(seed);
    std::vector<uint8_t> slice(static_cast<std::size_t>(patches_per_slice));
    for (int64_t b = 0; b < batch; ++b) {
        std::fill(slice.begin(), slice.end(), 0);
        std::fill(slice.begin(), slice.begin() + masked, 1);
        std::shuffle(slice.begin(), slice.end(), rng);
        uint8_t* row = mask.data_mut<uint8_t>() + b * time_slices * patches_per_slice;
        for (int64_t t = 0; t < time_slices; ++t) std::copy(slice.begin(), slice.end(), row + t * patches_per_slice);
    }
    return mask;
}

Tensor random_mask(int64_t batch, int64_t patches, double ratio, uint64_t seed) {
    if (!(ratio >= 0.0 && ratio < 1.0)) throw Error("mask ratio " + std::to_string(ratio), "must be at least 0 and below 1");
    const auto masked = static_cast<int64_t>(std::nearbyint(ratio * static_cast<double>(patches)));
    Tensor mask = Tensor::zeros(DType::U8, {batch, patches});
    std::mt19937_64 rng(seed);
    std::vector<int64_t> order(static_cast<std::size_t>(patches));
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t i = 0; i < patches; ++i) order[i] = i;
        // The first `masked` places of a partial Fisher-Yates shuffle: a uniform subset.
        for (int64_t i = 0; i < masked; ++i) {
            const int64_t j = i + static_cast<int64_t>(rng() % static_cast<uint64_t>(patches - i));
            std::swap(order[i], order[j]);
        }
        uint8_t* row = mask.data_mut<uint8_t>() + b * patches;
        for (int64_t i = 0; i < masked; ++i) row[order[i]] = 1;
    }
    return mask;
}

}  // namespace vivid
