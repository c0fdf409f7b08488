// bf16 and int8 numerics against the HF golden fp32 logits of every conformance model. The
// reference kernels emulate exactly what the hardware computes (bf16: weights and linear-layer
// inputs rounded to bfloat16, float32 accumulation; int8: the same quantization as the oneDNN
// path, exact integer accumulation), so the bounds are measured on any CPU; the oneDNN paths
// are held to the same bounds wherever the CPU runs them (int8: everywhere).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu_features.h"
#include "kernels/simd/attention_tiles.h"
#include "kernels/simd/simd_kernels.h"
#include "test_support.h"
#include "models/model.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

// Measured worst cases over these cases (bench/RESULTS.md, "Accuracy"): bf16 1.83e-2 absolute
// (vivit_tiny, with attention on bf16 dot products; 1.16e-2 emulated), int8 4.1 % of the
// largest logit (see kInt8RelativeBound).
// PRODUCT.md states bf16's bound relative to the largest |logit| (2 %); cases whose largest
// |logit| is below 1 are held to 2e-2 absolute, tighter than that. (The factorised-encoder
// fixture's logits reach 2.3: its 2.1e-2 is 0.9 % of them.)
constexpr double kBf16LogitBound = 2e-2;
// int8: max |int8 - HF fp32| over the largest |HF logit| of the case (PRODUCT.md allows 10 %).
// The emulation keeps attention in fp32 (measured at most 4.1 %, vivit_tiny); the hardware path
// runs attention in int8 where the CPU has VNNI or AMX-INT8 (u8 probabilities: measured at most
// 4.7 %, vivit_tiny, on Zen 4), so it is held to a bound with room for that.
constexpr double kInt8RelativeBound = 5e-2;
constexpr double kInt8AttentionRelativeBound = 7e-2;

// The attention kernel a path must run on this CPU: the fastest it has, never fp32 where the
// matrix units or int8/bf16 dot products exist (issue [16]).
std::string expected_attention(Precision precision) {
    using namespace kernels;
    if (precision == Precision::F32) return std::string("vivid:") + simd_kernels().isa + ":fp32";
    if (precision == Precision::INT8 && amx_int8_attention_usable()) return "vivid:amx_int8";
    if (amx_attention_usable()) return "vivid:amx_bf16";
    if (precision == Precision::INT8 && cpu_features().avx512_vnni) return "vivid:avx512_vnni_int8";
    if (cpu_features().avx512_bf16) return "vivid:avx512_bf16";
    return std::string("vivid:") + simd_kernels().isa + ":fp32";
}

int64_t argmax(const float* v, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (v[i] > v[best]) best = i;
    return best;
}

// A conformance case, or a factorised-encoder fixture (tests/data/vivit_fe, its fp32 logits from
// the numpy reference forward).
std::filesystem::path case_dir(const std::string& name) {
    if (name.rfind("fe_", 0) == 0) return test::data_dir() / "vivit_fe" / name / "expected";
    return test::conformance_dir() / name / "expected";
}

void check(KernelChoice kernels, Precision precision, const char* name) {
    const auto dir = case_dir(name);
    const TensorMap io = read_safetensors((dir / "outputs.safetensors").string());
    const Tensor* mask = io.count("bool_masked_pos") ? &io.at("bool_masked_pos") : nullptr;
    auto model = load_model(dir.string(), kernels, precision);
    const ModelOutputs out = model->forward(io.at("pixel_values"), mask);
    const Tensor& want = io.at("logits");
    ASSERT_EQ(out.logits.shape(), want.shape()) << name;
    double worst = 0, largest = 0;
    for (int64_t i = 0; i < want.numel(); ++i) {
        worst = std::max(worst, std::fabs(static_cast<double>(out.logits.data<float>()[i]) - want.data<float>()[i]));
        largest = std::max(largest, std::fabs(static_cast<double>(want.data<float>()[i])));
    }
    const bool int8_attention = kernels == KernelChoice::Optimized && precision == Precision::INT8 &&
                                expected_attention(precision).find("int8") != std::string::npos;
    const double bound = precision == Precision::INT8
                             ? (int8_attention ? kInt8AttentionRelativeBound : kInt8RelativeBound) * largest
                             : kBf16LogitBound * std::max(1.0, largest);
    if (kernels == KernelChoice::Optimized) {
        const auto used = model->implementation_log->snapshot();
        ASSERT_TRUE(used.count("attention")) << name;
        EXPECT_EQ(used.at("attention"), std::vector<std::string>{expected_attention(precision)}) << name;
    }
    EXPECT_LT(worst, bound) << name;
    EXPECT_GT(worst, 0.0) << name << ": rounding must change something, or the path ran in fp32";
    std::printf("%s %s %s: max |%s - HF fp32| logit = %.3g (%.3g of the largest |logit| %.3g)%s\n", name,
                precision_name(precision), kernels == KernelChoice::Reference ? "reference" : "oneDNN",
                precision_name(precision), worst, worst / largest, largest,
                kernels == KernelChoice::Optimized ? (", attention " + expected_attention(precision)).c_str() : "");
    if (!model->is_pretraining()) {
        const int64_t labels = want.size(1);
        for (int64_t b = 0; b < want.size(0); ++b)
            EXPECT_EQ(argmax(out.logits.data<float>() + b * labels, labels), argmax(want.data<float>() + b * labels, labels))
                << name << " clip " << b;
    }
    if (out.loss.defined()) {
        const double want_loss = io.at("loss").data<float>()[0];
        const double loss_bound = precision == Precision::INT8 ? kInt8RelativeBound * want_loss : kBf16LogitBound;
        std::printf("%s %s loss: %.6g, HF fp32 %.6g\n", name, precision_name(precision), out.loss.data<float>()[0], want_loss);
        EXPECT_NEAR(out.loss.data<float>()[0], want_loss, loss_bound) << name;
    }
}

const char* const kCases[] = {"vivit_tiny",     "vivit_tiny_batch2",
                              "videomae_tiny_finetuned", "videomae_tiny_nomeanpool",
                              "videomae_tiny_pretrain_normpix", "videomae_tiny_pretrain_raw",
                              "fe_two_heads",   "fe_one_head"};

TEST(Bf16Accuracy, EmulatedBf16StaysWithinTheStatedBound) {
    for (const char* name : kCases) check(KernelChoice::Reference, Precision::BF16, name);
}

TEST(Bf16Accuracy, HardwareBf16StaysWithinTheStatedBound) {
    if (!kernels::cpu_features().has_bf16()) GTEST_SKIP() << "no AVX512-BF16 or AMX on this CPU";
    for (const char* name : kCases) check(KernelChoice::Optimized, Precision::BF16, name);
}

TEST(Int8Accuracy, EmulatedInt8StaysWithinTheStatedBound) {
    for (const char* name : kCases) check(KernelChoice::Reference, Precision::INT8, name);
}

TEST(Int8Accuracy, OnednnInt8StaysWithinTheStatedBound) {
    for (const char* name : kCases) check(KernelChoice::Optimized, Precision::INT8, name);
}

}  // namespace
}  // namespace vivid
