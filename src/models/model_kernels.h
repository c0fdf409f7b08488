// The kernels a model runs with and the precision of its linear layers, chosen at load.
#pragma once

#include <memory>
#include <string>

#include "kernels/implementation_log.h"
#include "kernels/kernels.h"
#include "kernels/linear.h"

namespace vivid {

struct ModelKernels {
    const kernels::KernelSet* set = nullptr;
    Precision precision = Precision::F32;
    // Every linear layer's primitives report their implementation here (see Model::implementations).
    std::shared_ptr<kernels::ImplementationLog> log = std::make_shared<kernels::ImplementationLog>();

    // `kind` names the layer in the implementation log, e.g. "encoder.attention.qkv".
    std::unique_ptr<kernels::Linear> linear(const std::string& kind, Tensor weight, Tensor bias,
                                            kernels::Epilogue epilogue = kernels::Epilogue::Bias,
                                            kernels::Activation activation = kernels::Activation::Gelu) const {
        return set->make_linear({std::move(weight), std::move(bias), epilogue, activation, kind, log}, precision);
    }

    // q, k and v as one product with a dense output, where the weights are repacked anyway:
    // oneDNN's brgemm kernels (AVX-512, AVX512-BF16, AMX, VNNI) take no strided destination
    // and fall to slower ones (gemm:jit, or on AMX the reference loop). On AVX2 in fp32 the
    // weights are used in place from the file, and three layers cost no copy.
    bool fuse_qkv() const;
};

}  // namespace vivid
