// The kernels a model runs with and the precision of its linear layers, chosen at load.
#pragma once

#include <memory>

#include "kernels/kernels.h"
#include "kernels/linear.h"

namespace vivid {

struct ModelKernels {
    const kernels::KernelSet* set = nullptr;
    Precision precision = Precision::F32;

    std::unique_ptr<kernels::Linear> linear(Tensor weight, Tensor bias,
                                            kernels::Epilogue epilogue = kernels::Epilogue::Bias,
                                            kernels::Activation activation = kernels::Activation::Gelu) const {
        return set->make_linear({std::move(weight), std::move(bias), epilogue, activation}, precision);
    }
};

}  // namespace vivid
