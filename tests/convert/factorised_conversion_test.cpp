// Converting Scenic factorised-encoder (ViViT Model 2) checkpoints: the tiny train-state
// fixtures of tests/data/vivit_fe (make_vivit_fe_fixtures.py writes each one's HF folder from the
// issue's description of the format, not from vivid's rule table) converted bit for bit with
// their config.json and with none; the architecture is read from the checkpoint, and a config
// or preset that disagrees with it is refused with one line naming both values.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>

#include "convert/convert.h"
#include "convert/factorised_architecture.h"
#include "formats/flax_checkpoint.h"
#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kFixtures[] = {"fe_two_heads", "fe_one_head"};

fs::path fixture(const std::string& name) { return test::data_dir() / "vivit_fe" / name; }

ConvertOptions request(const std::string& name, const std::string& config = "") {
    ConvertOptions r;
    r.from = CheckpointFormat::VivitFlax;
    r.checkpoint = (fixture(name) / "checkpoint").string();
    r.config = config;
    return r;
}

// Same names, shapes and float32 bits as the fixture's expected/model.safetensors.
void expect_expected_tensors(const std::string& name, const ConvertedModel& converted) {
    const TensorMap expected = read_safetensors((fixture(name) / "expected" / "model.safetensors").string());
    ASSERT_EQ(converted.weights.size(), expected.size());
    for (const auto& [key, want] : expected) {
        const auto it = converted.weights.find(key);
        ASSERT_NE(it, converted.weights.end()) << "missing " << key;
        const Tensor got = it->second.contiguous_copy();
        ASSERT_EQ(got.dtype(), DType::F32) << key;
        ASSERT_EQ(got.shape(), want.shape()) << key;
        const Tensor w = want.contiguous_copy();
        EXPECT_EQ(std::memcmp(got.raw(), w.raw(), w.nbytes()), 0) << key;
    }
}

json expected_config(const std::string& name) {
    return json::parse(test::read_bytes(fixture(name) / "expected" / "config.json"));
}

// `config` says what `want` says; beyond that only the PretrainedConfig/VivitConfig defaults
// save_pretrained writes, which the fixture leaves out.
void expect_config_says(json config, const json& want) {
    for (const char* key : {"torch_dtype", "attention_probs_dropout_prob", "hidden_dropout_prob", "initializer_range"})
        if (!want.contains(key)) config.erase(key);
    EXPECT_EQ(config, want);
}

// The config a lying edit of the fixture's config.json, written to `dir`.
std::string edited_config(const std::string& name, const test::TempDir& dir, const std::string& key,
                          const json& value) {
    json config = json::parse(test::read_bytes(fixture(name) / "config.json"));
    config[key] = value;
    const fs::path path = dir / "config.json";
    test::write_bytes(path, config.dump(2));
    return path.string();
}

std::string conversion_error(const ConvertOptions& r) {
    return test::error_message_of([&] { convert_checkpoint(r); });
}

TEST(FactorisedConversion, FixturesConvertBitForBitWithTheirConfig) {
    for (const char* name : kFixtures) {
        SCOPED_TRACE(name);
        const ConvertedModel converted = convert_checkpoint(request(name, (fixture(name) / "config.json").string()));
        expect_expected_tensors(name, converted);
        EXPECT_EQ(converted.architecture, "VivitFactorisedEncoderForVideoClassification");
        expect_config_says(json::parse(converted.config_json), expected_config(name));
        EXPECT_TRUE(converted.warnings.empty());
    }
}

TEST(FactorisedConversion, WithoutAConfigTheCheckpointGivesTheArchitecture) {
    for (const char* name : kFixtures) {
        SCOPED_TRACE(name);
        const ConvertedModel converted = convert_checkpoint(request(name));
        expect_expected_tensors(name, converted);
        json config = json::parse(converted.config_json);
        json want = expected_config(name);
        const int64_t classes = static_cast<int64_t>(want["id2label"].size());
        ASSERT_EQ(config["id2label"].size(), static_cast<std::size_t>(classes));
        for (int64_t i = 0; i < classes; ++i)
            EXPECT_EQ(config["id2label"][std::to_string(i)], "LABEL_" + std::to_string(i));
        // Every number matches; labels and the head split are what only a config can say.
        for (json* c : {&config, &want})
            for (const char* key : {"id2label", "label2id", "heads"}) c->erase(key);
        expect_config_says(config, want);
    }
}

TEST(FactorisedConversion, AConfigThatDisagreesWithTheCheckpointIsOneLineNamingBoth) {
    struct Lie {
        const char* key;
        json value;
        const char* problem;
    };
    const Lie lies[] = {
        {"num_temporal_layers", 4, "num_temporal_layers is 4 but the checkpoint has 3 temporal layers"},
        {"num_hidden_layers", 12, "num_hidden_layers is 12 but the checkpoint has 2 spatial layers"},
        {"temporal_num_attention_heads", 2, "temporal_num_attention_heads is 2 but the checkpoint has 4 temporal "
                                            "attention heads"},
        {"num_attention_heads", 4, "num_attention_heads is 4 but the checkpoint has 2 spatial attention heads"},
        {"temporal_intermediate_size", 24, "temporal_intermediate_size is 24 but the checkpoint has temporal MLP "
                                           "width 20"},
        {"num_frames", 8, "num_frames is 8 but the checkpoint has 6 frames"},
        {"image_size", 16, "image_size is 16 but the checkpoint has image size 8"},
        {"tubelet_size", json::array({1, 4, 4}), "tubelet_size is [1, 4, 4] but the checkpoint has tubelet [2, 4, 4]"},
    };
    for (const Lie& lie : lies) {
        SCOPED_TRACE(lie.key);
        test::TempDir dir;
        const std::string config = edited_config("fe_two_heads", dir, lie.key, lie.value);
        EXPECT_EQ(conversion_error(request("fe_two_heads", config)), config + ": " + lie.problem);
    }
}

TEST(FactorisedConversion, ALabelCountThatDisagreesIsRefusedEvenForAPreset) {
    ConvertOptions r = request("fe_one_head");
    r.preset = "vivit-b-16x2-fe-kinetics400";
    EXPECT_EQ(conversion_error(r), "preset vivit-b-16x2-fe-kinetics400: id2label has 400 labels but the checkpoint "
                                   "has 5 classes (output_projection)");
}

TEST(FactorisedConversion, AModelOneConfigIsRefusedForAFactorisedCheckpoint) {
    test::TempDir dir;
    const std::string config = edited_config("fe_one_head", dir, "model_type", "vivit");
    EXPECT_EQ(conversion_error(request("fe_one_head", config)),
              config + ": model_type is 'vivit' but the checkpoint is a ViViT factorised encoder "
                       "(vivit_factorised_encoder)");
}

TEST(FactorisedArchitecture, ModelOneCheckpointsAreNotFactorised) {
    const TensorMap model_one = read_flax_params((test::conformance_dir() / "vivit_tiny" / "checkpoint").string()).tensors;
    EXPECT_FALSE(is_factorised_encoder_checkpoint(model_one));
    EXPECT_TRUE(is_factorised_encoder_checkpoint(
        read_flax_params((fixture("fe_one_head") / "checkpoint").string()).tensors));
}

TEST(FactorisedArchitecture, AMissingBlockIsADamagedFileNotAShallowerModel) {
    TensorMap source = read_flax_params((fixture("fe_two_heads") / "checkpoint").string()).tensors;
    std::erase_if(source, [](const auto& kv) { return kv.first.starts_with("SpatialTransformer/encoderblock_0/"); });
    try {
        read_factorised_architecture(source, "ck");
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "ck: SpatialTransformer has encoderblock_1 but only 1 blocks");
    }
}

TEST(FactorisedArchitecture, NonSquarePatchesGiveTheSquareImage) {
    // fe_one_head: tubelet (1, 4, 2) on 8x8 frames: 2 x 4 = 8 patch positions per slot.
    const VivitConfig c = read_factorised_architecture(
        read_flax_params((fixture("fe_one_head") / "checkpoint").string()).tensors, "ck");
    EXPECT_EQ(c.image_size, 8);
    EXPECT_EQ(c.num_frames, 5);
    EXPECT_EQ(c.tubelet_size, (std::array<int64_t, 3>{1, 4, 2}));
    EXPECT_EQ(c.num_temporal_layers, 1);
    EXPECT_EQ(c.common.num_labels(), 5);
}

}  // namespace
}  // namespace vivid
