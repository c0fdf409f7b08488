// The reference linear layer: plain loops, double accumulation, epilogue applied after.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/int8_quantization.h"
#include "kernels/linear.h"
#include "kernels/reference/scalar_activation.h"

namespace vivid::kernels {
namespace {

class ReferenceLinear final : public Linear {
public:
    ReferenceLinear(LinearSpec spec, Precision precision) : spec_(std::move(spec)), precision_(precision) {
        out_ = spec_.weight.size(0);
        in_ = spec_.weight.size(1);
        weight_.assign(spec_.weight.data<float>(), spec_.weight.data<float>() + out_ * in_);
        if (precision_ == Precision::BF16)
            for (float& w : weight_) w = round_to_bf16(w);
        if (precision_ == Precision::INT8) quantize_weights();
        spec_.weight = Tensor();  // weight_ holds the values: do not keep the source too
    }

    void forward(const float* x, float* y, int64_t rows, int64_t ldy) override {
        if (ldy == 0) ldy = out_;
        const float* bias = spec_.bias.defined() ? spec_.bias.data<float>() : nullptr;
        // int8: one scale and zero point for the whole input, as the oneDNN path takes it here.
        std::vector<uint8_t> quantized;
        Int8Asymmetric asym;
        if (precision_ == Precision::INT8) {
            quantized.resize(static_cast<std::size_t>(rows * in_));
            asym = int8_quantize_input(x, quantized.data(), rows * in_, int8_input_levels());
        }
        // Rows are independent: spread over threads only so that full-size models finish.
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < rows; ++i) {
            std::vector<float> xr(static_cast<std::size_t>(in_));
            std::memcpy(xr.data(), x + i * in_, sizeof(float) * in_);
            if (precision_ == Precision::BF16)
                for (float& v : xr) v = round_to_bf16(v);
            if (precision_ == Precision::INT8)  // the integers (less the zero point), held exactly in floats
                for (int64_t p = 0; p < in_; ++p)
                    xr[p] = static_cast<float>(quantized[i * in_ + p]) - static_cast<float>(asym.zero);
            for (int64_t j = 0; j < out_; ++j) {
                double acc = 0.0;
                const float* w = weight_.data() + j * in_;
                for (int64_t p = 0; p < in_; ++p) acc += static_cast<double>(xr[p]) * w[p];
                if (precision_ == Precision::INT8) acc *= static_cast<double>(weight_scales_[j]) * asym.scale;
                if (bias) acc += bias[j];
                float v = static_cast<float>(acc);
                float& dst = y[i * ldy + j];
                if (spec_.epilogue == Epilogue::BiasActivation) v = scalar_activation(spec_.activation, v);
                dst = spec_.epilogue == Epilogue::BiasResidual ? dst + v : v;
            }
        }
    }

    std::string implementation(int64_t, int64_t) override { return "vivid:reference"; }

private:
    // Each output channel's weights -> integers (held exactly in floats) and its scale.
    void quantize_weights() {
        weight_scales_.resize(out_);
        for (int64_t j = 0; j < out_; ++j) {
            float* w = weight_.data() + j * in_;
            weight_scales_[j] = int8_quantize_channel(w, in_, w);  // in place: each value read before it is written
        }
    }

    LinearSpec spec_;
    Precision precision_;
    std::vector<float> weight_;
    std::vector<float> weight_scales_;  // int8 only
};

}  // namespace

std::unique_ptr<Linear> make_reference_linear(LinearSpec spec, Precision precision) {
    return std::make_unique<ReferenceLinear>(std::move(spec), precision);
}

float round_to_bf16(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu)) return x;  // NaN
    bits += 0x7fffu + ((bits >> 16) & 1u);
    bits &= 0xffff0000u;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}

}  // namespace vivid::kernels
