// bf16 numerics (weights and linear-layer inputs rounded to bfloat16, float32 accumulation)
// against the HF golden fp32 logits of every conformance model: the reference kernels emulate
// exactly what bf16 hardware computes, so this bound is measured on any CPU; where the CPU has
// AVX512-BF16 or AMX, the oneDNN bf16 path is held to the same bound.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu_features.h"
#include "test_support.h"
#include "models/model.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

// Measured worst case over these cases: see bench/RESULTS.md (bf16 accuracy).
constexpr double kBf16LogitBound = 2e-2;

int64_t argmax(const float* v, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (v[i] > v[best]) best = i;
    return best;
}

void check_bf16(KernelChoice kernels, const char* name) {
    const auto dir = test::conformance_dir() / name / "expected";
    const TensorMap io = read_safetensors((dir / "outputs.safetensors").string());
    const Tensor* mask = io.count("bool_masked_pos") ? &io.at("bool_masked_pos") : nullptr;
    auto model = load_model(dir.string(), kernels, Precision::BF16);
    const ModelOutputs out = model->forward(io.at("pixel_values"), mask);
    const Tensor& want = io.at("logits");
    ASSERT_EQ(out.logits.shape(), want.shape()) << name;
    double worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i)
        worst = std::max(worst, std::fabs(static_cast<double>(out.logits.data<float>()[i]) - want.data<float>()[i]));
    EXPECT_LT(worst, kBf16LogitBound) << name;
    EXPECT_GT(worst, 0.0) << name << ": bf16 rounding must change something, or the path ran in fp32";
    std::printf("%s %s: max |bf16 - HF fp32| logit = %.3g\n", name, kernels == KernelChoice::Reference ? "reference" : "oneDNN", worst);
    if (!model->is_pretraining()) {
        const int64_t labels = want.size(1);
        for (int64_t b = 0; b < want.size(0); ++b)
            EXPECT_EQ(argmax(out.logits.data<float>() + b * labels, labels), argmax(want.data<float>() + b * labels, labels))
                << name << " clip " << b;
    }
    if (out.loss.defined()) {
        EXPECT_NEAR(out.loss.data<float>()[0], io.at("loss").data<float>()[0], kBf16LogitBound) << name;
    }
}

const char* const kCases[] = {"vivit_tiny", "vivit_tiny_batch2", "videomae_tiny_finetuned", "videomae_tiny_nomeanpool",
                              "videomae_tiny_pretrain_normpix", "videomae_tiny_pretrain_raw"};

TEST(Bf16Accuracy, EmulatedBf16StaysWithinTheStatedBound) {
    for (const char* name : kCases) check_bf16(KernelChoice::Reference, name);
}

TEST(Bf16Accuracy, HardwareBf16StaysWithinTheStatedBound) {
    if (!kernels::cpu_features().has_bf16()) GTEST_SKIP() << "no AVX512-BF16 or AMX on this CPU";
    for (const char* name : kCases) check_bf16(KernelChoice::Optimized, name);
}

}  // namespace
}  // namespace vivid
