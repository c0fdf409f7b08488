// Linear layers on oneDNN's matmul primitive (Debian ships oneDNN 2.6: on AVX2 it runs its
// JIT gemm, on AVX-512 brgemm kernels, bf16 ones where the CPU has AVX512-BF16 or AMX).
// Weights are given in `format_tag::any` once at load, so oneDNN picks its own layout; when
// that is the plain torch layout the weights are used in place (a mapped file stays mapped,
// nothing is copied), otherwise they are reordered once and the unpacked copy is dropped.
#include <dnnl.hpp>

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/grow_buffer.h"
#include "kernels/cpu_features.h"
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

// Grows only: the largest scratch any layer asked for, reused by all.
void* shared_scratch(std::size_t bytes) {
    static thread_local std::vector<std::byte> buffer;
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

class OnednnLinear final : public Linear {
public:
    OnednnLinear(LinearSpec spec, Precision precision) : precision_(precision) {
        out_ = spec.weight.size(0);
        in_ = spec.weight.size(1);
        if (precision_ == Precision::BF16 && !cpu_features().has_bf16())
            throw Error("cpu", "bf16 needs a CPU with AVX512-BF16 or AMX; this one has " + cpu_features_summary() +
                                   " (use fp32)");
        dnnl::post_ops ops;
        if (spec.epilogue == Epilogue::BiasActivation) {
            float alpha = 0;
            const dnnl::algorithm alg = eltwise_for(spec.activation, alpha);
            ops.append_eltwise(1.0f, alg, alpha, 0.0f);
        } else if (spec.epilogue == Epilogue::BiasResidual) {
            ops.append_sum(1.0f);
        }
        attr_.set_post_ops(ops);
        // Scratch memory comes from one buffer shared by every layer (they run one at a time).
        // Debian's oneDNN otherwise keeps a scratchpad per primitive: ~200 MB for ViViT-B.
        attr_.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        if (spec.bias.defined()) {
            bias_ = spec.bias;
            bias_mem_ = dnnl::memory({{1, out_}, dt::f32, tag::ab}, cpu_engine(), const_cast<float*>(bias_.data<float>()));
        }
        const dnnl::memory::desc user_weights({in_, out_}, dt::f32, tag::ba);
        const auto pd = make_pd(kLayoutRows, dnnl::memory::desc({in_, out_}, weight_type(), tag::any));
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
        dnnl::memory user(user_weights, cpu_engine(), const_cast<float*>(spec.weight.data<float>()));
        if (weights_desc_ == user_weights) {
            kept_weight_ = spec.weight;  // used in place
            weights_mem_ = user;
        } else {
            weights_mem_ = dnnl::memory(weights_desc_, cpu_engine());
            dnnl::reorder(user, weights_mem_).execute(thread_stream(), user, weights_mem_);
            thread_stream().wait();
        }
    }

    void forward(const float* x, float* y, int64_t rows, int64_t ldy) override {
        if (rows <= 0) return;
        RowsPrimitive& s = primitive_for(rows, ldy == 0 ? out_ : ldy);
        dnnl::memory src(s.src_f32, cpu_engine(), const_cast<float*>(x));
        dnnl::memory dst(s.dst, cpu_engine(), y);
        dnnl::stream& stream = thread_stream();
        std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_WEIGHTS, weights_mem_}, {DNNL_ARG_DST, dst}};
        if (bias_.defined()) args[DNNL_ARG_BIAS] = bias_mem_;
        if (s.scratch_bytes > 0) args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(s.scratch_desc, cpu_engine(), shared_scratch(s.scratch_bytes));
        if (precision_ == Precision::BF16) {
            s.convert.execute(stream, src, s.src_bf16);
            args[DNNL_ARG_SRC] = s.src_bf16;
        } else {
            args[DNNL_ARG_SRC] = src;
        }
        s.matmul.execute(stream, args);
        stream.wait();
    }

private:
    // The primitive for one row count and output stride, and what executing it needs.
    struct RowsPrimitive {
        dnnl::memory::desc src_f32, dst;
        dnnl::matmul matmul;
        dnnl::reorder convert;     // bf16 only: f32 input -> bf16
        dnnl::memory src_bf16;     // bf16 only
        dnnl::memory::desc scratch_desc;
        std::size_t scratch_bytes = 0;
    };

    dt weight_type() const { return precision_ == Precision::BF16 ? dt::bf16 : dt::f32; }

    dnnl::matmul::primitive_desc make_pd(int64_t rows, const dnnl::memory::desc& weights, int64_t ldy = 0) const {
        const dnnl::memory::desc src({rows, in_}, weight_type(), tag::ab);
        const dnnl::memory::desc dst({rows, out_}, dt::f32, dnnl::memory::dims{ldy == 0 ? out_ : ldy, 1});
        try {
            if (bias_.defined())
                return {dnnl::matmul::desc(src, weights, bias_mem_.get_desc(), dst), attr_, cpu_engine()};
            return {dnnl::matmul::desc(src, weights, dst), attr_, cpu_engine()};
        } catch (const dnnl::error& e) {
            throw Error("oneDNN", "no matmul for " + std::to_string(rows) + "x" + std::to_string(in_) + " by " +
                                      std::to_string(in_) + "x" + std::to_string(out_) +
                                      (precision_ == Precision::BF16 ? " in bf16" : " in fp32") + ": " + e.what());
        }
    }

    // Primitives are made once per row count and output stride (creation costs milliseconds).
    RowsPrimitive& primitive_for(int64_t rows, int64_t ldy) {
        auto it = primitives_.find({rows, ldy});
        if (it != primitives_.end()) return it->second;
        RowsPrimitive s;
        const auto pd = make_pd(rows, weights_desc_, ldy);
        s.src_f32 = dnnl::memory::desc({rows, in_}, dt::f32, tag::ab);
        s.dst = pd.dst_desc();
        s.matmul = dnnl::matmul(pd);
        s.scratch_desc = pd.scratchpad_desc();
        s.scratch_bytes = s.scratch_desc.get_size();
        if (precision_ == Precision::BF16) {
            s.src_bf16 = dnnl::memory(pd.src_desc(), cpu_engine());
            s.convert = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), s.src_f32, cpu_engine(), pd.src_desc()));
        }
        return primitives_.emplace(std::make_pair(rows, ldy), std::move(s)).first->second;
    }

    Precision precision_;
    dnnl::primitive_attr attr_;
    Tensor bias_, kept_weight_;
    dnnl::memory bias_mem_, weights_mem_;
    dnnl::memory::desc weights_desc_;
    std::map<std::pair<int64_t, int64_t>, RowsPrimitive> primitives_;
};

}  // namespace

std::unique_ptr<Linear> make_onednn_linear(LinearSpec spec, Precision precision) {
    return std::make_unique<OnednnLinear>(std::move(spec), precision);
}

}  // namespace vivid::kernels
