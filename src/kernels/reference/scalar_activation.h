// One activation value at a time, with the exact formulas HF uses (transformers/activations.py).
#pragma once

#include <cmath>

#include "kernels/kernels.h"

namespace vivid::kernels {

inline float scalar_activation(Activation act, float x) {
    switch (act) {
        case Activation::Gelu:  // exact erf GELU (torch.nn.functional.gelu)
            return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752440f));
        case Activation::GeluFast:  // FastGELUActivation
            return 0.5f * x * (1.0f + std::tanh(x * 0.7978845608f * (1.0f + 0.044715f * x * x)));
        case Activation::GeluNew:  // NewGELUActivation
        case Activation::GeluPytorchTanh:  // torch gelu(approximate="tanh"): same formula
            return 0.5f * x *
                   (1.0f + std::tanh(0.79788456080286535588f * (x + 0.044715f * x * x * x)));
        case Activation::QuickGelu:
            return x / (1.0f + std::exp(-1.702f * x));
        case Activation::Relu:
            return x > 0.0f ? x : 0.0f;
        case Activation::Silu:
            return x / (1.0f + std::exp(-x));
    }
    return x;
}

}  // namespace vivid::kernels
