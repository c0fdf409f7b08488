// The feature vector per window is the vector the classifier reads: applied here to the
// classifier's own weights in double, it gives HF's golden logits for every conformance
// classifier (ViViT CLS, VideoMAE mean pooling + fc_norm, VideoMAE first token + layernorm).
#include <gtest/gtest.h>

#include <cmath>

#include "formats/safetensors.h"
#include "models/model.h"
#include "test_support.h"

namespace vivid {
namespace {

TEST(WindowFeatures, TheClassifierOnTheFeaturesGivesHfLogits) {
    for (const char* name : {"vivit_tiny", "vivit_tiny_batch2", "videomae_tiny_finetuned", "videomae_tiny_nomeanpool"}) {
        const auto dir = test::conformance_dir() / name / "expected";
        const TensorMap io = read_safetensors((dir / "outputs.safetensors").string());
        const TensorMap weights = read_safetensors((dir / "model.safetensors").string());
        auto model = load_model(dir.string());
        const Tensor f = model->features(io.at("pixel_values"));
        const Tensor& w = weights.at("classifier.weight");
        const Tensor& b = weights.at("classifier.bias");
        const Tensor& want = io.at("logits");
        ASSERT_EQ(f.dim(), 2);
        ASSERT_EQ(f.size(0), want.size(0)) << name;
        ASSERT_EQ(f.size(1), w.size(1)) << name;
        double worst = 0;
        for (int64_t r = 0; r < f.size(0); ++r)
            for (int64_t j = 0; j < w.size(0); ++j) {
                double acc = b.data<float>()[j];
                for (int64_t i = 0; i < f.size(1); ++i)
                    acc += double(f.data<float>()[r * f.size(1) + i]) * w.data<float>()[j * w.size(1) + i];
                worst = std::max(worst, std::fabs(acc - want.data<float>()[r * w.size(0) + j]));
            }
        EXPECT_LT(worst, 1e-4) << name;
    }
}

TEST(WindowFeatures, PreTrainingFeaturesAreTheEncodersTokenMean) {
    // Shape and dependence on the input; the encoder itself is checked against HF elsewhere.
    const auto dir = test::conformance_dir() / "videomae_tiny_pretrain_normpix" / "expected";
    const TensorMap io = read_safetensors((dir / "outputs.safetensors").string());
    auto model = load_model(dir.string());
    const Tensor& pv = io.at("pixel_values");
    const Tensor f = model->features(pv);
    ASSERT_EQ(f.dim(), 2);
    EXPECT_EQ(f.size(0), pv.size(0));
    Tensor other = pv.contiguous_copy();
    for (int64_t i = 0; i < other.numel(); ++i) other.data_mut<float>()[i] *= 0.5f;
    const Tensor g = model->features(other);
    double moved = 0;
    for (int64_t i = 0; i < f.numel(); ++i) moved = std::max(moved, double(std::fabs(f.data<float>()[i] - g.data<float>()[i])));
    EXPECT_GT(moved, 1e-3);
}

}  // namespace
}  // namespace vivid
