// The guard against oneDNN's silent fallback: every linear layer shape the released models use
// (ViViT-B, VideoMAE-B/L encoders, the pre-training decoder and heads), at every row count a
// forward uses (all tokens, CLS-only, visible-only, masked-only, batch 3), with each epilogue,
// must get a real kernel on this CPU in every precision it supports. oneDNN's reference loops
// ("ref:any", "ref_int8:any") are 100x slower: on AMX, bf16 q/k/v written side by side took
// 18-20 s per product (PERFORMANCE.md). This test fails on the machine where that happens.
#include <dnnl.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/cpu_features.h"
#include "kernels/implementation_log.h"
#include "kernels/linear.h"

namespace vivid::kernels {
namespace {

struct LayerShape {
    const char* name;
    int64_t in, out;
};

const LayerShape kShapes[] = {
    {"patch embedding (tubelet 2x16x16)", 1536, 768}, {"q/k/v fused, base", 768, 2304},
    {"q, k or v / attention output, base", 768, 768}, {"mlp intermediate, base", 768, 3072},
    {"mlp output, base", 3072, 768},                  {"q/k/v fused, large", 1024, 3072},
    {"mlp intermediate, large", 1024, 4096},          {"mlp output, large", 4096, 1024},
    {"patch embedding, large", 1536, 1024},           {"encoder to decoder", 768, 384},
    {"decoder q/k/v fused", 384, 1152},               {"decoder attention output", 384, 384},
    {"decoder mlp intermediate", 384, 1536},          {"decoder mlp output", 1536, 384},
    {"decoder head", 384, 1536},                      {"classifier, Kinetics-400", 768, 400},
    {"classifier, SSv2", 768, 174},
    // VideoMAE V2 giant: hidden 1408 (16 heads of 88), MLP 6144, patch 14 (tubelet 2x14x14).
    {"q/k/v fused, giant", 1408, 4224},               {"q, k or v / attention output, giant", 1408, 1408},
    {"mlp intermediate, giant", 1408, 6144},          {"mlp output, giant", 6144, 1408},
    {"patch embedding, giant", 1176, 1408},           {"classifier, Kinetics-710", 1408, 710},
};

// 1/3: CLS-only rows and classifier heads (batch 1, 3); 160: visible tokens of a 0.9 tube mask;
// 1408: its masked tokens; 1568/3136/3137: VideoMAE-B, ViViT-B patches and with CLS; 4704:
// batch 3 of 1568; 9411: batch 3 of 3137; 3152: ViViT FE's spatial encoder, 16 slots of 197;
// 2048: VideoMAE V2 giant's patches (16 frames of 224 at patch 14).
const int64_t kRows[] = {1, 3, 160, 480, 1408, 1568, 2048, 3136, 3137, 3152, 4704, 9411};

// Non-zero weights (a reorder of zeros could be skipped where one of real weights would not).
Tensor test_weights(int64_t out, int64_t in) {
    Tensor w = Tensor::uninitialized(DType::F32, {out, in});
    for (int64_t i = 0; i < out * in; ++i) w.data_mut<float>()[i] = static_cast<float>(i % 7) * 0.01f - 0.03f;
    return w;
}

std::vector<Precision> precisions_this_cpu_runs() {
    std::vector<Precision> p{Precision::F32, Precision::INT8};
    if (cpu_features().has_bf16()) p.push_back(Precision::BF16);
    return p;
}

TEST(ImplementationGuard, NoModelShapeFallsToAReferenceLoop) {
    std::vector<std::string> slow;
    int64_t checked = 0;
    for (Precision precision : precisions_this_cpu_runs())
        for (const LayerShape& s : kShapes)
            for (Epilogue epilogue : {Epilogue::Bias, Epilogue::BiasActivation, Epilogue::BiasResidual}) {
                auto log = std::make_shared<ImplementationLog>();
                LinearSpec spec{Tensor::zeros(DType::F32, {s.out, s.in}), Tensor::zeros(DType::F32, {s.out}), epilogue,
                                Activation::Gelu, s.name, log};
                auto linear = make_onednn_linear(std::move(spec), precision);
                for (int64_t rows : kRows) {
                    std::vector<int64_t> strides{0};
                    // fp32 on AVX2 keeps q, k and v apart, writing side by side (ModelKernels::fuse_qkv).
                    if (precision == Precision::F32 && s.in == s.out) strides.push_back(3 * s.out);
                    for (int64_t ldy : strides) {
                        const std::string impl = linear->implementation(rows, ldy);
                        ++checked;
                        if (is_reference_implementation(impl))
                            slow.push_back(std::string(precision_name(precision)) + " " + s.name + " " +
                                           std::to_string(rows) + "x" + std::to_string(s.in) + " by " +
                                           std::to_string(s.in) + "x" + std::to_string(s.out) +
                                           (ldy ? " (strided output)" : "") + ": " + impl);
                    }
                }
                // What was prepared is what the log says: one entry per implementation, under the kind.
                const auto used = log->snapshot();
                ASSERT_EQ(used.size(), 1u);
                EXPECT_EQ(used.begin()->first, s.name);
            }
    std::string list;
    for (const std::string& line : slow) list += "\n  " + line;
    EXPECT_TRUE(slow.empty()) << slow.size() << " of " << checked << " products would run oneDNN's reference loop on "
                              << cpu_features_summary() << ":" << list;
    std::printf("%lld products checked on %s\n", static_cast<long long>(checked), cpu_features_summary().c_str());
}

// Weights are packed once at load: a forward executes matrix products and nothing else in
// fp32 and int8 (no reorder of weights or inputs per call; int8 inputs are quantized by vivid).
// oneDNN's verbose log lists every primitive it executes; it must name no reorder.
TEST(ImplementationGuard, NoReorderRunsInAForward) {
    for (Precision precision : {Precision::F32, Precision::INT8})
        for (const LayerShape& s : {kShapes[1], kShapes[3], kShapes[4]}) {
            LinearSpec spec{test_weights(s.out, s.in), Tensor::zeros(DType::F32, {s.out}), Epilogue::BiasResidual,
                            Activation::Gelu, s.name, nullptr};
            auto linear = make_onednn_linear(std::move(spec), precision);
            std::vector<float> x(197 * s.in, 0.5f), y(197 * s.out, 0.0f);
            linear->forward(x.data(), y.data(), 197);  // primitives made (not timed by the log below)
            testing::internal::CaptureStdout();
            dnnl::set_verbose(1);
            linear->forward(x.data(), y.data(), 197);
            linear->forward(x.data(), y.data(), 197);
            dnnl::set_verbose(0);
            const std::string log = testing::internal::GetCapturedStdout();
            EXPECT_NE(log.find(",exec,cpu,matmul,"), std::string::npos) << "the verbose log must show the products";
            EXPECT_EQ(log.find(",exec,cpu,reorder,"), std::string::npos)
                << precision_name(precision) << " " << s.name << " reorders in its forward:\n" << log;
        }
}

TEST(ImplementationGuard, TheReferenceNamesAreRecognised) {
    EXPECT_TRUE(is_reference_implementation("ref:any"));
    EXPECT_TRUE(is_reference_implementation("ref_int8:any"));
    EXPECT_FALSE(is_reference_implementation("brg:avx512_core_amx_bf16"));
    EXPECT_FALSE(is_reference_implementation("gemm:jit"));
}

}  // namespace
}  // namespace vivid::kernels
