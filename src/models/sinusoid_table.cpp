#include "models/sinusoid_table.h"

#include <cmath>

namespace vivid {

std::vector<float> sinusoid_table(int64_t positions, int64_t dim) {
    std::vector<float> table(static_cast<std::size_t>(positions * dim));
    for (int64_t pos = 0; pos < positions; ++pos)
        for (int64_t j = 0; j < dim; ++j) {
            const double angle = static_cast<double>(pos) /
                                 std::pow(10000.0, 2.0 * static_cast<double>(j / 2) / static_cast<double>(dim));
            table[pos * dim + j] = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    return table;
}

}  // namespace vivid
