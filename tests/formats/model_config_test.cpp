#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "vivid/vivid.h"
#include "formats/model_config.h"

namespace vivid {
namespace {

std::string error_of(const std::string& text) {
    try {
        parse_model_config(text, "config.json");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(ModelConfig, HuggingFaceDefaultsWhenKeysAreAbsent) {
    // Defaults of transformers' VivitConfig / VideoMAEConfig / PretrainedConfig.
    const auto vivit = std::get<VivitConfig>(parse_model_config(R"({"model_type":"vivit"})", "c"));
    EXPECT_EQ(vivit.image_size, 224);
    EXPECT_EQ(vivit.num_frames, 32);
    EXPECT_EQ(vivit.tubelet_size, (std::array<int64_t, 3>{2, 16, 16}));
    EXPECT_EQ(vivit.hidden_act, "gelu_fast");
    EXPECT_DOUBLE_EQ(vivit.layer_norm_eps, 1e-6);
    EXPECT_TRUE(vivit.qkv_bias);
    EXPECT_EQ(vivit.common.num_labels(), 2);
    const auto mae = std::get<VideoMAEConfig>(parse_model_config(R"({"model_type":"videomae"})", "c"));
    EXPECT_EQ(mae.num_frames, 16);
    EXPECT_EQ(mae.patch_size, 16);
    EXPECT_EQ(mae.tubelet_size, 2);
    EXPECT_DOUBLE_EQ(mae.layer_norm_eps, 1e-12);
    EXPECT_TRUE(mae.use_mean_pooling);
    EXPECT_TRUE(mae.norm_pix_loss);
    EXPECT_EQ(mae.decoder_hidden_size, 384);
    EXPECT_EQ(mae.decoder_num_hidden_layers, 4);
    EXPECT_EQ(mae.decoder_num_attention_heads, 6);
    EXPECT_EQ(mae.decoder_intermediate_size, 1536);
}

TEST(ModelConfig, ReadsConformanceConfigs) {
    const auto c = load_model_config((test::conformance_dir() / "vivit_tiny_batch2" / "config.json").string());
    const auto& v = std::get<VivitConfig>(c);
    EXPECT_EQ(v.hidden_size, 48);
    EXPECT_EQ(v.num_attention_heads, 3);
    EXPECT_EQ(v.hidden_act, "gelu");
    EXPECT_EQ(v.tubelet_size, (std::array<int64_t, 3>{2, 16, 16}));
    EXPECT_EQ(v.common.num_labels(), 6);
    EXPECT_EQ(v.common.id2label[5], "action 5");
}

TEST(ModelConfig, SavedJsonAgreesWithHuggingFaceOnEveryKey) {
    for (const char* name : {"vivit_tiny", "videomae_tiny_finetuned", "videomae_tiny_pretrain_raw"}) {
        const auto dir = test::conformance_dir() / name / "expected";
        const auto expected = nlohmann::json::parse(test::read_bytes(dir / "config.json"));
        const auto ours = nlohmann::json::parse(model_config_to_json(load_model_config((dir / "config.json").string())));
        EXPECT_EQ(ours, expected) << name;
    }
}

TEST(ModelConfig, BadConfigsNameTheProblem) {
    EXPECT_NE(error_of("{").find("config.json: not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{}").find("model_type"), std::string::npos);
    EXPECT_NE(error_of(R"({"model_type":"bert"})").find("unknown model_type 'bert'"), std::string::npos);
    EXPECT_NE(error_of(R"({"model_type":"vivit","hidden_size":"big"})").find("'hidden_size' must be an integer"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"model_type":"vivit","hidden_size":10,"num_attention_heads":3})").find("not divisible"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"model_type":"videomae","tubelet_size":[2,2]})").find("'tubelet_size' must be an integer"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"model_type":"videomae","id2label":{"0":"a","2":"b"}})").find("id2label"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"model_type":"videomae","patch_size":0})").find("must be positive"), std::string::npos);
}

}  // namespace
}  // namespace vivid
