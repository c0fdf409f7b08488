// Linear layers prepared once at load: y = x W^T + b with the work that follows fused into the
// same pass (an activation, or the residual add of a pre-norm block).
#pragma once

#include <cstdint>
#include <memory>

#include <stdexcept>
#include <string>

#include "kernels/implementation_log.h"
#include "kernels/kernels.h"
#include "vivid/vivid.h"
#include "core/tensor.h"

namespace vivid::kernels {

using vivid::Precision;

enum class Epilogue {
    Bias,            // y = x W^T + b
    BiasActivation,  // y = act(x W^T + b)
    BiasResidual,    // y = y + (x W^T + b): y holds the residual stream on entry
};

struct LinearSpec {
    Tensor weight;  // float32 (out, in), torch Linear layout; may be a read-only file view
    Tensor bias;    // float32 (out), or undefined for none
    Epilogue epilogue = Epilogue::Bias;
    Activation activation = Activation::Gelu;  // for BiasActivation
    std::string kind{};  // the layer kind, e.g. "attention.qkv", for the implementation log
    std::shared_ptr<ImplementationLog> log{};  // receives each primitive's implementation (optional)
};

class Linear {
public:
    virtual ~Linear() = default;
    // x: (rows, in) row-major; y: (rows, out), rows `ldy` floats apart (0: out), so several
    // layers can write side by side into one buffer. Not thread-safe: one forward at a time.
    virtual void forward(const float* x, float* y, int64_t rows, int64_t ldy = 0) = 0;
    // The bf16 path without conversion passes: x already bf16 (a LayerNorm wrote it so) and/or y
    // written as bf16 (an activation epilogue whose output only feeds the next product).
    // Only oneDNN bf16 layers take bf16 (takes_bf16()); others throw std::logic_error.
    virtual bool takes_bf16() const { return false; }
    virtual void forward_bf16(const void* /*x*/, bool /*x_is_bf16*/, void* /*y*/, bool /*y_is_bf16*/,
                              int64_t /*rows*/, int64_t /*ldy*/ = 0) {
        throw std::logic_error("this linear layer takes and gives float32 only");
    }
    // The int8 path without a quantization pass: x already u8 with one scale and zero point,
    // x ~ scale * (q - zero), q in [0, int8_input_levels()] (a LayerNorm wrote it so, see
    // KernelSet::layer_norm_u8). Only oneDNN int8 layers take u8 (takes_u8()); others throw.
    virtual bool takes_u8() const { return false; }
    virtual void forward_u8(const uint8_t* /*x*/, float /*scale*/, int32_t /*zero*/, float* /*y*/, int64_t /*rows*/,
                            int64_t /*ldy*/ = 0) {
        throw std::logic_error("this linear layer takes no u8 input");
    }
    // Prepares what forward(rows, ldy) runs, without running it, and names its implementation
    // (oneDNN's impl_info_str(), e.g. "brg:avx512_core_bf16"; a "ref" one is a slow fallback).
    virtual std::string implementation(int64_t rows, int64_t ldy = 0) = 0;
    int64_t in() const { return in_; }
    int64_t out() const { return out_; }

protected:
    int64_t in_ = 0, out_ = 0;
};

// oneDNN matmul: weights reordered once into the layout the CPU's kernel wants (used in place
// when that is the plain layout), bias and epilogue as post-ops. BF16 packs the weights to
// bf16 and converts each input once; it throws vivid::Error on a CPU without bf16 hardware.
// INT8 quantizes the weights once (symmetric, one scale per output channel) and each input
// when it arrives (symmetric, one scale for the whole input: dynamic quantization); products
// accumulate exactly in int32, everything after them is float32.
std::unique_ptr<Linear> make_onednn_linear(LinearSpec spec, Precision precision);
// Plain loops with double accumulation. BF16 rounds weights and inputs to bf16 (nearest even)
// and accumulates exactly, which is what bf16 hardware computes, up to summation order. INT8
// quantizes as the oneDNN path does (see int8_quantization.h) and accumulates exactly.
std::unique_ptr<Linear> make_reference_linear(LinearSpec spec, Precision precision);

// float -> bf16 -> float, rounding to nearest even (NaN kept NaN).
float round_to_bf16(float x);

}  // namespace vivid::kernels
