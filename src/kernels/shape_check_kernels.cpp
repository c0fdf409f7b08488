// A kernel set that prepares nothing: building a model with it walks the model's own list of
// weights (names and shapes checked by WeightReader) without copying or reordering a single
// weight. `vivid convert` uses it to check a conversion against its config in about the
// memory of one copy of the weights; running such a model is a programming error.
#include <stdexcept>

#include "kernels/kernels.h"
#include "kernels/linear.h"

namespace vivid::kernels {
namespace {

class UnpreparedLinear final : public Linear {
public:
    explicit UnpreparedLinear(const LinearSpec& spec) {
        out_ = spec.weight.size(0);
        in_ = spec.weight.size(1);
    }
    void forward(const float*, float*, int64_t, int64_t) override {
        throw std::logic_error("a model built with the shape-check kernels cannot run");
    }
    std::string implementation(int64_t, int64_t) override { return "none (shape check)"; }
};

std::unique_ptr<Linear> make_unprepared_linear(LinearSpec spec, Precision) {
    return std::make_unique<UnpreparedLinear>(spec);
}

void no_layer_norm(const float*, const float*, const float*, float*, int64_t, int64_t, float) {
    throw std::logic_error("a model built with the shape-check kernels cannot run");
}

void no_attention(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, float) {
    throw std::logic_error("a model built with the shape-check kernels cannot run");
}

}  // namespace

const KernelSet& shape_check_kernels() {
    static const KernelSet set{"shape-check", make_unprepared_linear, no_layer_norm, nullptr, no_attention, nullptr};
    return set;
}

}  // namespace vivid::kernels
