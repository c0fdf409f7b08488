// Linear layers on oneDNN's matmul primitive (Debian ships oneDNN 2.6: on AVX2 it runs its
// JIT gemm, on AVX-512 brgemm kernels, bf16 ones where the CPU has AVX512-BF16 or AMX, int8
// ones with VNNI or AMX). Weights are given in `format_tag::any` once at load, so oneDNN picks
// its own layout; when that is the plain torch layout the weights are used in place (a mapped
// file stays mapped, nothing is copied), otherwise they are reordered once and the unpacked
// copy is dropped. Every primitive's implementation goes to the layer's ImplementationLog.
#include <dnnl.hpp>

#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/grow_buffer.h"
#include "kernels/cpu_features.h"
#include "kernels/int8_quantization.h"
#include "kernels/linear.h"
#include "vivid/vivid.h"

namespace vivid::kernels {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::engine& cpu_engine() {
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

dnnl::stream& thread_stream() {
    static thread_local dnnl::stream stream(cpu_engine());
    return stream;
}

// Buffers every layer shares (they run one at a time), grown to the largest any asked for: the
// primitives' scratch (Debian's oneDNN otherwise keeps one per primitive, ~200 MB for ViViT-B)
// and the input converted to bf16 or int8 (one per primitive would hold ~200 MB for VideoMAE-B).
enum class Shared { Scratch, ConvertedInput };
void* shared_buffer(Shared which, std::size_t bytes) {
    static thread_local std::vector<std::byte> buffers[2];
    std::vector<std::byte>& buffer = buffers[static_cast<int>(which)];
    grow_to(buffer, static_cast<int64_t>(bytes));
    return buffer.data();
}

dnnl::algorithm eltwise_for(Activation act, float& alpha) {
    alpha = 0.0f;
    switch (act) {
        case Activation::Gelu: return dnnl::algorithm::eltwise_gelu_erf;
        case Activation::GeluFast:  // the tanh form, like gelu_new and torch's approximate="tanh"
        case Activation::GeluNew:
        case Activation::GeluPytorchTanh: return dnnl::algorithm::eltwise_gelu_tanh;
        case Activation::QuickGelu: alpha = 1.702f; return dnnl::algorithm::eltwise_swish;  // x sigmoid(1.702 x)
        case Activation::Silu: alpha = 1.0f; return dnnl::algorithm::eltwise_swish;
        case Activation::Relu: return dnnl::algorithm::eltwise_relu;
    }
    return dnnl::algorithm::eltwise_relu;
}

// Rows used to choose the weight layout at load; oneDNN's layouts depend on N and K only.
constexpr int64_t kLayoutRows = 1024;

// How an int8 product gets back to float: y = s_w[n] * s_x * acc + b[n], where acc sums
// (q_x - zero) q_w exactly (the input's zero point is a run-time argument in both forms).
enum class Int8Form {
    // Output scales s_w fixed at load, s_x a run-time scalar multiplied in a binary post-op,
    // the bias added by another: what brgemm (VNNI, AMX) accepts.
    ScalePostOps,
    // Output scales s_w * s_x given at run time and the bias divided by them (oneDNN 2.6's int8
    // matmul computes scale * (acc + bias)): what its JIT gemm accepts without VNNI (with binary
    // post-ops before a sum it has only its reference loop).
    RuntimeScales,
};

class OnednnLinear final : public Linear {
public:
    OnednnLinear(LinearSpec spec, Precision precision)
        : precision_(precision), kind_(std::move(spec.kind)), log_(std::move(spec.log)) {
        out_ = spec.weight.size(0);
        in_ = spec.weight.size(1);
        if (precision_ == Precision::BF16 && !cpu_features().has_bf16())
            throw Error("cpu", "bf16 needs a CPU with AVX512-BF16 or AMX; this one has " + cpu_features_summary() +
                                   " (use fp32 or int8)");
        epilogue_ = spec.epilogue;
        activation_ = spec.activation;
        if (spec.bias.defined()) {
            bias_ = spec.bias;
            bias_mem_ = dnnl::memory({{1, out_}, dt::f32, tag::ab}, cpu_engine(), const_cast<float*>(bias_.data<float>()));
        }
        if (precision_ == Precision::INT8) {
            quantize_weights(spec.weight);
            if (int8_input_levels() < 255.0f) int8_form_ = Int8Form::RuntimeScales;
        }
        set_attributes();
        const dnnl::memory::desc user_weights({in_, out_}, weight_type(), tag::ba);
        auto pd = make_pd(kLayoutRows, dnnl::memory::desc({in_, out_}, weight_type(), tag::any));
        if (precision_ == Precision::INT8 && int8_form_ == Int8Form::ScalePostOps &&
            is_reference_implementation(pd.impl_info_str())) {
            int8_form_ = Int8Form::RuntimeScales;
            set_attributes();
            pd = make_pd(kLayoutRows, dnnl::memory::desc({in_, out_}, weight_type(), tag::any));
        }
        weights_desc_ = pd.weights_desc();
        // oneDNN's own choice may be a transposed copy that its JIT gemm runs no faster
        // (measured on AVX2: equal speed); the plain layout then costs no memory at all.
        if (precision_ == Precision::F32 && weights_desc_ != user_weights) {
            try {
                if (std::string(make_pd(kLayoutRows, user_weights).impl_info_str()) == pd.impl_info_str())
                    weights_desc_ = user_weights;
            } catch (const Error&) {
            }
        }
        void* user_data = precision_ == Precision::INT8 ? static_cast<void*>(quantized_weight_.data())
                                                        : const_cast<float*>(spec.weight.data<float>());
        const dnnl::memory::desc user_desc({in_, out_}, precision_ == Precision::INT8 ? dt::s8 : dt::f32, tag::ba);
        dnnl::memory user(user_desc, cpu_engine(), user_data);
        if (weights_desc_ == user_desc) {
            if (precision_ != Precision::INT8) kept_weight_ = spec.weight;  // used in place (int8: the quantized copy)
            weights_mem_ = user;
        } else {
            weights_mem_ = dnnl::memory(weights_desc_, cpu_engine());
            dnnl::reorder(user, weights_mem_).execute(thread_stream(), user, weights_mem_);
            thread_stream().wait();
            quantized_weight_ = {};
            quantized_weight_.shrink_to_fit();
            spec.weight.release_file_pages();  // packed now: the file's copy need not stay in memory
        }
    }

    void forward(const float* x, float* y, int64_t rows, int64_t ldy) override {
        run(x, false, y, false, rows, ldy);
    }

    bool takes_u8() const override { return precision_ == Precision::INT8; }
    void forward_u8(const uint8_t* x, float scale, int32_t zero, float* y, int64_t rows, int64_t ldy) override {
        if (!takes_u8()) Linear::forward_u8(x, scale, zero, y, rows, ldy);
        Int8Asymmetric a;
        a.scale = scale;
        a.zero = zero;
        run(x, false, y, false, rows, ldy, &a);
    }

    bool takes_bf16() const override { return precision_ == Precision::BF16; }
    void forward_bf16(const void* x, bool x_is_bf16, void* y, bool y_is_bf16, int64_t rows, int64_t ldy) override {
        if (!takes_bf16()) Linear::forward_bf16(x, x_is_bf16, y, y_is_bf16, rows, ldy);
        run(x, x_is_bf16, y, y_is_bf16, rows, ldy);
    }

    std::string implementation(int64_t rows, int64_t ldy) override {
        return primitive_for({rows, ldy == 0 ? out_ : ldy, false, false}).implementation;
    }

private:
    // One primitive per row count, output stride, and (bf16 path) input and output types.
    struct Key {
        int64_t rows, ldy;
        bool x_bf16, y_bf16;
        bool operator<(const Key& o) const {
            return std::tie(rows, ldy, x_bf16, y_bf16) < std::tie(o.rows, o.ldy, o.x_bf16, o.y_bf16);
        }
    };

    // u8: x is already quantized with these parameters (int8 only).
    void run(const void* x, bool x_is_bf16, void* y, bool y_is_bf16, int64_t rows, int64_t ldy,
             const Int8Asymmetric* u8 = nullptr) {
        if (rows <= 0) return;
        RowsPrimitive& s = primitive_for({rows, ldy == 0 ? out_ : ldy, x_is_bf16, y_is_bf16});
        dnnl::memory dst(s.dst, cpu_engine(), y);
        dnnl::stream& stream = thread_stream();
        std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_WEIGHTS, weights_mem_}, {DNNL_ARG_DST, dst}};
        if (s.scratch_bytes > 0) args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(s.scratch_desc, cpu_engine(), shared_buffer(Shared::Scratch, s.scratch_bytes));
        const auto* xf = static_cast<const float*>(x);
        if (x_is_bf16) {
            args[DNNL_ARG_SRC] = dnnl::memory(s.src, cpu_engine(), const_cast<void*>(x));
        } else if (precision_ == Precision::BF16) {
            dnnl::memory src(s.src_f32, cpu_engine(), const_cast<float*>(xf));
            dnnl::memory converted(s.src, cpu_engine(), shared_buffer(Shared::ConvertedInput, s.src.get_size()));
            s.convert.execute(stream, src, converted);
            args[DNNL_ARG_SRC] = converted;
        } else if (precision_ == Precision::INT8 && u8) {
            set_int8_arguments(*u8, args);
            args[DNNL_ARG_SRC] = dnnl::memory(s.src, cpu_engine(), const_cast<void*>(x));
        } else if (precision_ == Precision::INT8) {
            void* q = shared_buffer(Shared::ConvertedInput, static_cast<std::size_t>(rows * in_));
            set_int8_arguments(int8_quantize_input(xf, static_cast<uint8_t*>(q), rows * in_, int8_input_levels()), args);
            args[DNNL_ARG_SRC] = dnnl::memory(s.src, cpu_engine(), q);
        } else {
            args[DNNL_ARG_SRC] = dnnl::memory(s.src_f32, cpu_engine(), const_cast<float*>(xf));
        }
        if (bias_.defined() && !(precision_ == Precision::INT8)) args[DNNL_ARG_BIAS] = bias_mem_;
        s.matmul.execute(stream, args);
        stream.wait();
    }

    // The primitive for one row count and output stride, and what executing it needs.
    struct RowsPrimitive {
        dnnl::memory::desc src_f32, src, dst;
        dnnl::matmul matmul;
        dnnl::reorder convert;  // bf16 only: f32 input -> bf16
        dnnl::memory::desc scratch_desc;
        std::size_t scratch_bytes = 0;
        std::string implementation;
    };

    dt weight_type() const {
        return precision_ == Precision::BF16 ? dt::bf16 : precision_ == Precision::INT8 ? dt::s8 : dt::f32;
    }
    dt source_type() const { return precision_ == Precision::INT8 ? dt::u8 : weight_type(); }
    bool bias_argument() const {
        return bias_.defined() && !(precision_ == Precision::INT8 && int8_form_ == Int8Form::ScalePostOps);
    }

    void quantize_weights(const Tensor& weight) {
        const float* w = weight.data<float>();
        weight_scales_.resize(out_);
        quantized_weight_.resize(out_ * in_);
        for (int64_t n = 0; n < out_; ++n)
            weight_scales_[n] = int8_quantize_channel(w + n * in_, in_, quantized_weight_.data() + n * in_);
    }

    void set_attributes() {
        dnnl::primitive_attr attr;
        if (precision_ == Precision::INT8)
            zero_point_mem_ = dnnl::memory({{1}, dt::s32, tag::x}, cpu_engine(), &zero_point_);
        dnnl::post_ops ops;
        if (precision_ == Precision::INT8 && int8_form_ == Int8Form::ScalePostOps) {
            attr.set_output_scales(2, weight_scales_);
            attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
            ops.append_binary(dnnl::algorithm::binary_mul, dnnl::memory::desc({1, 1}, dt::f32, tag::ab));
            if (bias_.defined()) ops.append_binary(dnnl::algorithm::binary_add, bias_mem_.get_desc());
            input_scale_mem_ = dnnl::memory({{1, 1}, dt::f32, tag::ab}, cpu_engine(), &input_scale_);
        } else if (precision_ == Precision::INT8) {
            attr.set_output_scales(2, {DNNL_RUNTIME_F32_VAL});
            attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
            runtime_scales_.resize(out_);
            runtime_scales_mem_ = dnnl::memory({{out_}, dt::f32, tag::x}, cpu_engine(), runtime_scales_.data());
            if (bias_.defined()) {
                scaled_bias_.resize(out_);
                scaled_bias_mem_ = dnnl::memory({{1, out_}, dt::f32, tag::ab}, cpu_engine(), scaled_bias_.data());
            }
        }
        if (epilogue_ == Epilogue::BiasActivation) {
            float alpha = 0;
            const dnnl::algorithm alg = eltwise_for(activation_, alpha);
            ops.append_eltwise(1.0f, alg, alpha, 0.0f);
        } else if (epilogue_ == Epilogue::BiasResidual) {
            ops.append_sum(1.0f);
        }
        attr.set_post_ops(ops);
        // Scratch memory comes from one buffer shared by every layer (they run one at a time).
        // Debian's oneDNN otherwise keeps a scratchpad per primitive: ~200 MB for ViViT-B.
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        attr_ = attr;
    }

    // Sets the arguments that carry the u8 input's scale and zero point.
    void set_int8_arguments(const Int8Asymmetric& a, std::unordered_map<int, dnnl::memory>& args) {
        zero_point_ = a.zero;
        args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zero_point_mem_;
        if (int8_form_ == Int8Form::ScalePostOps) {
            input_scale_ = a.scale;
            args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = input_scale_mem_;
            if (bias_.defined()) args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1] = bias_mem_;
            return;
        }
        for (int64_t c = 0; c < out_; ++c) runtime_scales_[c] = weight_scales_[c] * a.scale;
        args[DNNL_ARG_ATTR_OUTPUT_SCALES] = runtime_scales_mem_;
        if (bias_.defined()) {
            const float* b = bias_.data<float>();
            for (int64_t c = 0; c < out_; ++c) scaled_bias_[c] = b[c] / runtime_scales_[c];
            args[DNNL_ARG_BIAS] = scaled_bias_mem_;
        }
    }

    dnnl::matmul::primitive_desc make_pd(int64_t rows, const dnnl::memory::desc& weights, int64_t ldy = 0,
                                         bool y_bf16 = false) const {
        const dnnl::memory::desc src({rows, in_}, source_type(), tag::ab);
        const dnnl::memory::desc dst({rows, out_}, y_bf16 ? dt::bf16 : dt::f32, dnnl::memory::dims{ldy == 0 ? out_ : ldy, 1});
        try {
            if (bias_argument())
                return {dnnl::matmul::desc(src, weights, bias_mem_.get_desc(), dst), attr_, cpu_engine()};
            return {dnnl::matmul::desc(src, weights, dst), attr_, cpu_engine()};
        } catch (const dnnl::error& e) {
            throw Error("oneDNN", "no matmul for " + std::to_string(rows) + "x" + std::to_string(in_) + " by " +
                                      std::to_string(in_) + "x" + std::to_string(out_) + " in " +
                                      precision_name(precision_) + ": " + e.what());
        }
    }

    // Primitives are made once per row count and output stride (creation costs milliseconds).
    RowsPrimitive& primitive_for(const Key& key) {
        auto it = primitives_.find(key);
        if (it != primitives_.end()) return it->second;
        const int64_t rows = key.rows;
        RowsPrimitive s;
        const auto pd = make_pd(rows, weights_desc_, key.ldy, key.y_bf16);
        s.src_f32 = dnnl::memory::desc({rows, in_}, dt::f32, tag::ab);
        s.src = pd.src_desc();
        s.dst = pd.dst_desc();
        s.matmul = dnnl::matmul(pd);
        s.scratch_desc = pd.scratchpad_desc();
        s.scratch_bytes = s.scratch_desc.get_size();
        s.implementation = pd.impl_info_str();
        if (precision_ == Precision::BF16 && !key.x_bf16)
            s.convert = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), s.src_f32, cpu_engine(), s.src));
        if (log_) log_->record(kind_, s.implementation);
        return primitives_.emplace(key, std::move(s)).first->second;
    }

    Precision precision_;
    std::string kind_;
    std::shared_ptr<ImplementationLog> log_;
    Epilogue epilogue_ = Epilogue::Bias;
    Activation activation_ = Activation::Gelu;
    dnnl::primitive_attr attr_;
    Tensor bias_, kept_weight_;
    dnnl::memory bias_mem_, weights_mem_;
    dnnl::memory::desc weights_desc_;
    std::map<Key, RowsPrimitive> primitives_;
    // int8 only
    Int8Form int8_form_ = Int8Form::ScalePostOps;
    std::vector<int8_t> quantized_weight_;  // until reordered (kept if used in place)
    std::vector<float> weight_scales_, runtime_scales_, scaled_bias_;
    float input_scale_ = 1.0f;
    int32_t zero_point_ = 0;
    dnnl::memory zero_point_mem_, input_scale_mem_, runtime_scales_mem_, scaled_bias_mem_;
};

}  // namespace

float int8_input_levels() {
    static const float levels = [] {
        switch (dnnl::get_effective_cpu_isa()) {
            case dnnl::cpu_isa::avx2_vnni:
            case dnnl::cpu_isa::avx512_core_vnni:
            case dnnl::cpu_isa::avx512_core_bf16:
            case dnnl::cpu_isa::avx512_core_amx: return 255.0f;
            default: return 127.0f;
        }
    }();
    return levels;
}

std::unique_ptr<Linear> make_onednn_linear(LinearSpec spec, Precision precision) {
    return std::make_unique<OnednnLinear>(std::move(spec), precision);
}

}  // namespace vivid::kernels
