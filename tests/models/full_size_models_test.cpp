// Full-size architectures with random weights made here (nothing shipped): one forward pass
// of ViViT-B/16x2 (32 frames, 224) and of VideoMAE-B, checking shapes and finiteness.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "models/model.h"

namespace vivid {
namespace {

Tensor random_tensor(const Shape& shape, std::mt19937& rng, float scale) {
    Tensor t = Tensor::zeros(DType::F32, shape);
    std::normal_distribution<float> dist(0.0f, scale);
    float* p = t.data_mut<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
    return t;
}

void add_layer(TensorMap& w, const std::string& prefix, int64_t d, int64_t inter, bool separate_bias,
               std::mt19937& rng) {
    const std::string a = prefix + "attention.attention.";
    for (const char* n : {"query", "key", "value"}) {
        w[a + n + ".weight"] = random_tensor({d, d}, rng, 0.02f);
        if (separate_bias) w[a + n + ".bias"] = random_tensor({d}, rng, 0.02f);
    }
    if (!separate_bias) {
        w[a + "q_bias"] = random_tensor({d}, rng, 0.02f);
        w[a + "v_bias"] = random_tensor({d}, rng, 0.02f);
    }
    w[prefix + "attention.output.dense.weight"] = random_tensor({d, d}, rng, 0.02f);
    w[prefix + "attention.output.dense.bias"] = random_tensor({d}, rng, 0.02f);
    for (const char* ln : {"layernorm_before.", "layernorm_after."}) {
        w[prefix + ln + "weight"] = random_tensor({d}, rng, 0.1f);
        w[prefix + ln + "bias"] = random_tensor({d}, rng, 0.1f);
    }
    w[prefix + "intermediate.dense.weight"] = random_tensor({inter, d}, rng, 0.02f);
    w[prefix + "intermediate.dense.bias"] = random_tensor({inter}, rng, 0.02f);
    w[prefix + "output.dense.weight"] = random_tensor({d, inter}, rng, 0.02f);
    w[prefix + "output.dense.bias"] = random_tensor({d}, rng, 0.02f);
}

void expect_finite(const Tensor& t) {
    for (int64_t i = 0; i < t.numel(); ++i) ASSERT_TRUE(std::isfinite(t.data<float>()[i])) << i;
}

TEST(FullSizeModels, VivitB16x2Kinetics400Shape) {
    VivitConfig c;  // the HF defaults are ViViT-B/16x2: 32 frames, 224, tubelet [2,16,16]
    for (int i = 0; i < 400; ++i) c.common.id2label.push_back("label_" + std::to_string(i));
    std::mt19937 rng(1);
    TensorMap w;
    const int64_t d = c.hidden_size, n = 16 * 14 * 14;
    w["vivit.embeddings.patch_embeddings.projection.weight"] = random_tensor({d, 3, 2, 16, 16}, rng, 0.02f);
    w["vivit.embeddings.patch_embeddings.projection.bias"] = random_tensor({d}, rng, 0.02f);
    w["vivit.embeddings.cls_token"] = random_tensor({1, 1, d}, rng, 0.02f);
    w["vivit.embeddings.position_embeddings"] = random_tensor({1, n + 1, d}, rng, 0.02f);
    for (int i = 0; i < c.num_hidden_layers; ++i)
        add_layer(w, "vivit.encoder.layer." + std::to_string(i) + ".", d, c.intermediate_size, true, rng);
    w["vivit.layernorm.weight"] = random_tensor({d}, rng, 0.1f);
    w["vivit.layernorm.bias"] = random_tensor({d}, rng, 0.1f);
    w["classifier.weight"] = random_tensor({400, d}, rng, 0.02f);
    w["classifier.bias"] = random_tensor({400}, rng, 0.02f);
    auto model = build_model(c, w, "random");
    EXPECT_EQ(model->num_patches(), n);
    const ModelOutputs out = model->forward(random_tensor({1, 32, 3, 224, 224}, rng, 1.0f), nullptr);
    EXPECT_EQ(out.logits.shape(), (Shape{1, 400}));
    expect_finite(out.logits);
}

TEST(FullSizeModels, VideoMAEBasePreTrainingShape) {
    VideoMAEConfig c;  // defaults are VideoMAE-B: 16 frames, 224, patch 16, decoder 384 x 4
    c.use_mean_pooling = false;
    c.common.architectures = {"VideoMAEForPreTraining"};
    std::mt19937 rng(2);
    TensorMap w;
    const int64_t d = c.hidden_size, dd = c.decoder_hidden_size, n = 8 * 14 * 14;
    w["videomae.embeddings.patch_embeddings.projection.weight"] = random_tensor({d, 3, 2, 16, 16}, rng, 0.02f);
    w["videomae.embeddings.patch_embeddings.projection.bias"] = random_tensor({d}, rng, 0.02f);
    for (int i = 0; i < c.num_hidden_layers; ++i)
        add_layer(w, "videomae.encoder.layer." + std::to_string(i) + ".", d, c.intermediate_size, false, rng);
    w["videomae.layernorm.weight"] = random_tensor({d}, rng, 0.1f);
    w["videomae.layernorm.bias"] = random_tensor({d}, rng, 0.1f);
    w["encoder_to_decoder.weight"] = random_tensor({dd, d}, rng, 0.02f);
    w["mask_token"] = random_tensor({1, 1, dd}, rng, 0.02f);
    for (int i = 0; i < c.decoder_num_hidden_layers; ++i)
        add_layer(w, "decoder.decoder_layers." + std::to_string(i) + ".", dd, c.decoder_intermediate_size, false, rng);
    w["decoder.norm.weight"] = random_tensor({dd}, rng, 0.1f);
    w["decoder.norm.bias"] = random_tensor({dd}, rng, 0.1f);
    w["decoder.head.weight"] = random_tensor({1536, dd}, rng, 0.02f);
    w["decoder.head.bias"] = random_tensor({1536}, rng, 0.02f);
    auto model = build_model(c, w, "random");
    ASSERT_TRUE(model->is_pretraining());
    // A 90% tube mask: the same spatial positions masked in every temporal slice.
    Tensor mask = Tensor::zeros(DType::U8, {1, n});
    for (int64_t t = 0; t < 8; ++t)
        for (int64_t s = 0; s < 196; ++s) mask.data_mut<uint8_t>()[t * 196 + s] = s % 10 != 0;
    const ModelOutputs out = model->forward(random_tensor({1, 16, 3, 224, 224}, rng, 1.0f), &mask);
    const int64_t masked = 8 * (196 - 20);
    EXPECT_EQ(out.logits.shape(), (Shape{1, masked, 1536}));
    expect_finite(out.logits);
    ASSERT_TRUE(out.loss.defined());
    EXPECT_TRUE(std::isfinite(out.loss.data<float>()[0]));
}

}  // namespace
}  // namespace vivid
