#include <cmath>

#include "kernels/kernels.h"
#include "vivid/vivid.h"

namespace vivid::kernels {

Activation parse_activation(const std::string& name, const std::string& source) {
    if (name == "gelu") return Activation::Gelu;
    if (name == "gelu_fast") return Activation::GeluFast;
    if (name == "gelu_new") return Activation::GeluNew;
    if (name == "gelu_pytorch_tanh") return Activation::GeluPytorchTanh;
    if (name == "quick_gelu") return Activation::QuickGelu;
    if (name == "relu") return Activation::Relu;
    if (name == "silu" || name == "swish") return Activation::Silu;
    throw Error(source, "hidden_act '" + name +
                            "' is not supported (gelu, gelu_fast, gelu_new, gelu_pytorch_tanh, "
                            "quick_gelu, relu, silu)");
}

}  // namespace vivid::kernels
