// Which kernel oneDNN (Debian's 2.6) gives an int8 matmul for each way of scaling its u8 input,
// at the shapes of a ViT block (VideoMAE-B: 1568 rows, 768 -> 768 and 3072 -> 768, plus 197 and
// 1 row). Why vivid quantizes fc2's and the output projection's inputs with one scale for the
// whole tensor (found after the producer wrote it): one scale per row (what would let a producer
// quantize each row as it finishes it) exists only as a binary_mul post-op with an (M, 1) tensor,
// and that gets oneDNN's reference loop ("ref_int8"), 100x slower, wherever M > 1. (Without VNNI,
// ONEDNN_MAX_CPU_ISA=AVX2, both forms print ref_int8: there vivid passes the input's scale inside
// run-time output scales instead, see src/kernels/onednn_linear.cpp, which have no per-row form.)
//
//     ninja -C build probe_int8_input_scales && build/probe_int8_input_scales
#include <dnnl.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

const char* implementation(int64_t rows, int64_t in, int64_t out, bool per_row_scale) {
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::primitive_attr attr;
    attr.set_output_scales(2, std::vector<float>(out, 0.01f));  // the weights' scales, per output channel
    attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    dnnl::post_ops ops;
    // The input's scale: one run-time scalar (vivid's form) or one per row.
    ops.append_binary(dnnl::algorithm::binary_mul, dnnl::memory::desc({per_row_scale ? rows : 1, 1}, dt::f32, tag::ab));
    ops.append_binary(dnnl::algorithm::binary_add, dnnl::memory::desc({1, out}, dt::f32, tag::ab));  // bias
    ops.append_sum(1.0f);  // the residual add
    attr.set_post_ops(ops);
    const dnnl::memory::desc src({rows, in}, dt::u8, tag::ab), weights({in, out}, dt::s8, tag::any),
        dst({rows, out}, dt::f32, tag::ab);
    static std::string name;
    name = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights, dst), attr, engine).impl_info_str();
    return name.c_str();
}

}  // namespace

int main() {
    std::printf("oneDNN %d.%d\n", dnnl_version()->major, dnnl_version()->minor);
    std::printf("| rows | in -> out | one input scale (vivid) | one scale per row |\n|---|---|---|---|\n");
    for (int64_t rows : {1568, 197, 1})
        for (auto [in, out] : {std::pair<int64_t, int64_t>{768, 768}, {3072, 768}}) {
            std::printf("| %lld | %lld -> %lld | %s ", static_cast<long long>(rows), static_cast<long long>(in),
                        static_cast<long long>(out), implementation(rows, in, out, false));
            std::printf("| %s |\n", implementation(rows, in, out, true));
        }
}
