// What oneDNN would run a linear layer with, asked without a model: `vivid info` shows it for
// each precision so that a slow fallback is visible before a long run, not after.
#include <vector>

#include "core/tensor.h"
#include "kernels/linear.h"
#include "vivid/vivid.h"

namespace vivid {

std::string linear_implementation(Precision precision, int64_t rows, int64_t in, int64_t out) {
    if (rows <= 0 || in <= 0 || out <= 0) throw Error("linear_implementation", "rows, in and out must be positive");
    Tensor weight = Tensor::zeros(DType::F32, {out, in});
    Tensor bias = Tensor::zeros(DType::F32, {out});
    try {
        auto linear = kernels::make_onednn_linear({weight, bias, kernels::Epilogue::Bias}, precision);
        return linear->implementation(rows);
    } catch (const Error& e) {
        return "unavailable: " + e.problem();
    }
}

}  // namespace vivid
