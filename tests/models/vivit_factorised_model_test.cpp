// The ViViT factorised encoder (Scenic's Model 2) against a float64 numpy forward written from
// Scenic's SpaceTimeViViT on the Flax parameters (tests/data/vivit_fe/make_vivit_fe_fixtures.py):
// logits and the temporal CLS features for batch 1 and 2, on two shapes (two heads with a
// temporal encoder of its own width and head count; one temporal layer over 5 slots).
#include <gtest/gtest.h>

#include <filesystem>

#include "formats/model_config.h"
#include "formats/safetensors.h"
#include "models/model.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;

const char* const kFixtures[] = {"fe_two_heads", "fe_one_head"};

void expect_near(const Tensor& got, const Tensor& want, int64_t rows, const std::string& what) {
    ASSERT_EQ(got.size(0), rows) << what;
    ASSERT_EQ(got.size(1), want.size(1)) << what;
    for (int64_t i = 0; i < rows * want.size(1); ++i)
        EXPECT_NEAR(got.data<float>()[i], want.data<float>()[i], 1e-4) << what << " [" << i << "]";
}

TEST(VivitFactorisedModel, MatchesTheReferenceForwardForBatchOneAndTwo) {
    for (const char* name : kFixtures) {
        SCOPED_TRACE(name);
        const fs::path dir = test::data_dir() / "vivit_fe" / name / "expected";
        for (KernelChoice kernels : {KernelChoice::Optimized, KernelChoice::Reference}) {
            auto model = load_model(dir.string(), kernels);
            EXPECT_EQ(model->architecture(), "VivitFactorisedEncoderForVideoClassification");
            const TensorMap io = read_safetensors((dir / "outputs.safetensors").string());
            const Tensor& pv = io.at("pixel_values");
            expect_near(model->forward(pv, nullptr).logits, io.at("logits"), 2, "logits, batch 2");
            expect_near(model->forward(pv.rows(0, 1), nullptr).logits, io.at("logits"), 1, "logits, batch 1");
            expect_near(model->features(pv), io.at("features"), 2, "features");
        }
    }
}

TEST(VivitFactorisedModel, TheConfigRoundTripsWithItsHeads) {
    const fs::path config = test::data_dir() / "vivit_fe" / "fe_two_heads" / "expected" / "config.json";
    const ModelConfig c = load_model_config(config.string());
    const auto& v = std::get<VivitConfig>(c);
    EXPECT_TRUE(v.factorised_encoder);
    EXPECT_EQ(v.num_temporal_layers, 3);
    EXPECT_EQ(v.temporal_num_attention_heads, 4);
    EXPECT_EQ(v.temporal_intermediate_size, 20);
    ASSERT_EQ(v.heads.size(), 2u);
    EXPECT_EQ(v.heads[1].name, "verb");
    EXPECT_EQ(v.heads[1].size, 3);
    EXPECT_EQ(model_type(c), "vivit_factorised_encoder");
    const ModelConfig again = parse_model_config(model_config_to_json(c), "round trip");
    EXPECT_EQ(model_config_to_json(again), model_config_to_json(c));
}

TEST(VivitFactorisedModel, HeadsThatDoNotCoverTheLabelsAreRefused) {
    const std::string base = test::read_bytes(test::data_dir() / "vivit_fe" / "fe_two_heads" / "expected" / "config.json");
    std::string bad = base;
    bad.replace(bad.find("\"size\": 3"), 9, "\"size\": 2");
    try {
        parse_model_config(bad, "config.json");
        FAIL() << "accepted heads of 4 + 2 over 7 labels";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("add up to 6"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace vivid
