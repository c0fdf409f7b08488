// VideoMAE V2 files (tests/data/videomae_v2, written by make_videomae_v2_fixtures.py with
// torch.save; expected tensors from the script's own statement of the V1 mapping): fp16 widened
// exactly, every wrapper ("module", "model", none) and prefix ("_orig_mod.", "encoder."), the
// pre-training decoder, the Kinetics-710 head's rows taken as Kinetics-400/600, and the presets.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>

#include "convert/convert.h"
#include "convert/label_names.h"
#include "convert/presets.h"
#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path fixture(const std::string& name) { return test::data_dir() / "videomae_v2" / name; }

ConvertOptions request(const std::string& name, const std::string& labels = "") {
    ConvertOptions r;
    r.from = CheckpointFormat::VideoMAEPth;
    r.checkpoint = (fixture(name) / "checkpoint.pth").string();
    r.config = (fixture(name) / "config.json").string();
    r.labels = labels;
    return r;
}

Tensor expected_tensor(const std::string& name, const std::string& key) {
    return read_safetensors((fixture(name) / "expected" / "model.safetensors").string()).at(key).contiguous_copy();
}

std::string conversion_error(const ConvertOptions& r) {
    return test::error_message_of([&] { convert_checkpoint(r); });
}

class V2File : public ::testing::TestWithParam<const char*> {};

// The saved folder, read back: fp16 files are widened exactly, as HF folders hold float32.
TEST_P(V2File, ConvertsBitForBitAfterWrappersAndPrefixes) {
    const ConvertedModel converted = convert_checkpoint(request(GetParam()));
    test::TempDir tmp;
    save_hf_folder(converted, (tmp / "model").string(), false);
    const TensorMap saved = read_safetensors((tmp / "model" / "model.safetensors").string());
    const TensorMap expected = read_safetensors((fixture(GetParam()) / "expected" / "model.safetensors").string());
    ASSERT_EQ(saved.size(), expected.size());
    for (const auto& [key, want] : expected) {
        const auto it = saved.find(key);
        ASSERT_NE(it, saved.end()) << "missing " << key;
        const Tensor got = it->second.contiguous_copy();
        ASSERT_EQ(got.dtype(), DType::F32) << key;
        ASSERT_EQ(got.shape(), want.shape()) << key;
        const Tensor w = want.contiguous_copy();
        EXPECT_EQ(std::memcmp(got.raw(), w.raw(), w.nbytes()), 0) << key;
    }
}

INSTANTIATE_TEST_SUITE_P(VideoMAEV2, V2File,
                         ::testing::Values("giant_like_module_fp16", "distilled_bare_orig_mod", "pretrain_model_decoder"));

// V2's fine-tuning code makes a K400 head from a K710 one as head[rows]: the same rows, in the
// mapping's order, with Kinetics-400's names.
TEST(VideoMAEV2Labels, Kinetics710HeadKeepsTheRowsOfTheChosenSet) {
    const json mapping = json::parse(test::read_bytes(test::source_dir() / "src/convert/data/kinetics710_to_kinetics400_rows.json"));
    const auto rows = mapping.at("rows").get<std::vector<int64_t>>();
    ASSERT_EQ(rows.size(), 400u);
    const ConvertedModel converted = convert_checkpoint(request("giant_like_module_fp16", "kinetics400"));
    const Tensor weight = converted.weights.at("classifier.weight").to_float32();
    const Tensor bias = converted.weights.at("classifier.bias").to_float32();
    const Tensor full_weight = expected_tensor("giant_like_module_fp16", "classifier.weight");
    const Tensor full_bias = expected_tensor("giant_like_module_fp16", "classifier.bias");
    ASSERT_EQ(weight.shape(), (Shape{400, 176}));
    ASSERT_EQ(bias.shape(), (Shape{400}));
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(std::memcmp(weight.data<float>() + i * 176, full_weight.data<float>() + rows[i] * 176, 176 * 4), 0) << i;
        EXPECT_EQ(bias.data<float>()[i], full_bias.data<float>()[rows[i]]) << i;
    }
    const auto& config = std::get<VideoMAEConfig>(converted.config);
    EXPECT_EQ(config.common.id2label, label_names("kinetics400"));
    EXPECT_EQ(config.common.id2label.front(), "abseiling");
    // Everything else is the unselected conversion's.
    const ConvertedModel plain = convert_checkpoint(request("giant_like_module_fp16"));
    EXPECT_EQ(converted.weights.size(), plain.weights.size());
}

TEST(VideoMAEV2Labels, Kinetics600TakesV2sOwnOrderAndNames) {
    const ConvertedModel converted = convert_checkpoint(request("giant_like_module_fp16", "kinetics600"));
    const auto& config = std::get<VideoMAEConfig>(converted.config);
    ASSERT_EQ(config.common.id2label.size(), 600u);
    EXPECT_EQ(config.common.id2label.front(), "feeding fish");  // V2's label_map_k600.txt, not alphabetical
    const json mapping =
        json::parse(test::read_bytes(test::source_dir() / "src/convert/data/kinetics710_to_kinetics600_videomae_v2_rows.json"));
    const int64_t row0 = mapping.at("rows").at(0).get<int64_t>();
    EXPECT_EQ(converted.weights.at("classifier.bias").to_float32().data<float>()[0],
              expected_tensor("giant_like_module_fp16", "classifier.bias").data<float>()[row0]);
}

TEST(VideoMAEV2Labels, SelectionNeedsAKinetics710Head) {
    EXPECT_NE(conversion_error(request("distilled_bare_orig_mod", "kinetics400")).find("needs a kinetics710 head of 710 classes; classifier.weight has shape [10, 48]"),
              std::string::npos)
        << conversion_error(request("distilled_bare_orig_mod", "kinetics400"));
    EXPECT_NE(conversion_error(request("pretrain_model_decoder", "kinetics400")).find("has no classifier head"),
              std::string::npos);
    EXPECT_NE(conversion_error(request("giant_like_module_fp16", "kinetics700")).find("known: kinetics400, kinetics600"),
              std::string::npos);
}

// What the V2 zoo's files are, per preset (OpenGVLab/VideoMAEv2 models/ and scripts/).
TEST(VideoMAEV2Presets, EveryReleasedCheckpointHasItsArchitectureLabelsAndRate) {
    struct Want {
        const char* name;
        int64_t hidden, layers, heads, mlp, patch, classes, rate;
    };
    const Want wants[] = {
        {"videomae-v2-giant-pretrain", 1408, 40, 16, 6144, 14, 0, 4},
        {"videomae-v2-giant-k710", 1408, 40, 16, 6144, 14, 710, 4},
        {"videomae-v2-giant-k400", 1408, 40, 16, 6144, 14, 400, 4},
        {"videomae-v2-giant-k600", 1408, 40, 16, 6144, 14, 600, 4},
        {"videomae-v2-giant-ssv2", 1408, 40, 16, 6144, 14, 174, 0},
        {"videomae-v2-giant-ucf101", 1408, 40, 16, 6144, 14, 101, 4},
        {"videomae-v2-giant-hmdb51", 1408, 40, 16, 6144, 14, 51, 2},
        {"videomae-v2-small-k710-distilled", 384, 12, 6, 1536, 16, 710, 4},
        {"videomae-v2-base-k710-distilled", 768, 12, 12, 3072, 16, 710, 4},
    };
    for (const Want& w : wants) {
        const Preset& p = require_preset(w.name);
        const json& c = p.config;
        EXPECT_EQ(c.at("hidden_size"), w.hidden) << w.name;
        EXPECT_EQ(c.at("num_hidden_layers"), w.layers) << w.name;
        EXPECT_EQ(c.at("num_attention_heads"), w.heads) << w.name;
        EXPECT_EQ(c.at("intermediate_size"), w.mlp) << w.name;
        EXPECT_EQ(c.at("patch_size"), w.patch) << w.name;
        EXPECT_EQ(c.at("num_frames"), 16) << w.name;
        EXPECT_EQ(c.at("tubelet_size"), 2) << w.name;
        EXPECT_EQ(c.at("layer_norm_eps"), 1e-6) << w.name;  // V2's norm_layer
        EXPECT_EQ(c.value("id2label", json::object()).size(), static_cast<std::size_t>(w.classes)) << w.name;
        EXPECT_EQ(p.frame_sampling_rate, w.rate) << w.name;
        EXPECT_EQ(p.preprocessor_config.at("image_mean"), json({0.485, 0.456, 0.406})) << w.name;
    }
    const json& pretrain = require_preset("videomae-v2-giant-pretrain").config;
    EXPECT_EQ(pretrain.at("decoder_num_hidden_layers"), 4);
    EXPECT_EQ(pretrain.at("decoder_hidden_size"), 512);
    EXPECT_EQ(pretrain.at("decoder_num_attention_heads"), 8);
    EXPECT_EQ(pretrain.at("decoder_intermediate_size"), 2234);  // int(512 * 48 / 11)
    EXPECT_EQ(pretrain.at("use_mean_pooling"), false);
    EXPECT_EQ(require_preset("videomae-v2-giant-k600").config.at("id2label").at("0"), "feeding fish");
    EXPECT_EQ(require_preset("videomae-v2-giant-k710").config.at("id2label").at("0"), "riding a bike");
    EXPECT_EQ(require_preset("videomae-v2-giant-ucf101").config.at("id2label").at("0"), "ApplyEyeMakeup");
}

// A V2 zoo file at the preset's full width, cut to two encoder (and decoder) layers: fp16 tensors
// with V2's names (pre-training: encoder.*, a decoder whose MLP is 48/11 of its width).
TensorMap v2_file(const json& c, bool pretraining, int64_t classes) {
    const int64_t d = c.at("hidden_size"), mlp = c.at("intermediate_size"), p = c.at("patch_size");
    TensorMap t;
    const std::string enc = pretraining ? "encoder." : "";
    auto add = [&t](const std::string& name, Shape shape) { t.emplace(name, Tensor::zeros(DType::F16, shape)); };
    auto block = [&](const std::string& b, int64_t w, int64_t inner) {
        for (const char* n : {"norm1", "norm2"}) add(b + n + ".weight", {w}), add(b + n + ".bias", {w});
        add(b + "attn.qkv.weight", {3 * w, w});
        add(b + "attn.q_bias", {w});
        add(b + "attn.v_bias", {w});
        add(b + "attn.proj.weight", {w, w});
        add(b + "attn.proj.bias", {w});
        add(b + "mlp.fc1.weight", {inner, w});
        add(b + "mlp.fc1.bias", {inner});
        add(b + "mlp.fc2.weight", {w, inner});
        add(b + "mlp.fc2.bias", {w});
    };
    add(enc + "patch_embed.proj.weight", {d, 3, 2, p, p});
    add(enc + "patch_embed.proj.bias", {d});
    for (int i = 0; i < 2; ++i) block(enc + "blocks." + std::to_string(i) + ".", d, mlp);
    if (!pretraining) {
        add("fc_norm.weight", {d}), add("fc_norm.bias", {d});
        add("head.weight", {classes, d}), add("head.bias", {classes});
        return t;
    }
    const int64_t dd = c.at("decoder_hidden_size");
    add("encoder.norm.weight", {d}), add("encoder.norm.bias", {d});
    add("encoder_to_decoder.weight", {dd, d});
    add("mask_token", {1, 1, dd});
    for (int i = 0; i < 2; ++i) block("decoder.blocks." + std::to_string(i) + ".", dd, int64_t(dd * 48 / 11));
    add("decoder.norm.weight", {dd}), add("decoder.norm.bias", {dd});
    add("decoder.head.weight", {3 * 2 * p * p, dd}), add("decoder.head.bias", {3 * 2 * p * p});
    return t;
}

TEST(VideoMAEV2Presets, EachPresetConvertsAFileOfItsShape) {
    for (const std::string& name : preset_names()) {
        if (!name.starts_with("videomae-v2-")) continue;
        SCOPED_TRACE(name);
        const Preset& preset = require_preset(name);
        json cut = preset.config;
        cut["num_hidden_layers"] = 2;
        cut["decoder_num_hidden_layers"] = 2;
        const bool pretraining = name.ends_with("pretrain");
        const auto classes = static_cast<int64_t>(cut.value("id2label", json::object()).size());
        test::TempDir tmp;
        ConvertOptions r;
        r.from = CheckpointFormat::VideoMAEPth;
        r.checkpoint = "random " + name;
        r.preset = name;
        r.config = (tmp / "config.json").string();
        test::write_bytes(r.config, cut.dump());
        const ConvertedModel converted = convert_state(r, v2_file(cut, pretraining, classes));
        EXPECT_EQ(converted.architecture, pretraining ? "VideoMAEForPreTraining" : "VideoMAEForVideoClassification");
        const int64_t d = cut.at("hidden_size"), p = cut.at("patch_size");
        EXPECT_EQ(converted.weights.at("videomae.embeddings.patch_embeddings.projection.weight").shape(),
                  (Shape{d, 3, 2, p, p}));
        if (pretraining) {
            EXPECT_EQ(converted.weights.at("decoder.decoder_layers.1.intermediate.dense.weight").shape(), (Shape{2234, 512}));
            EXPECT_EQ(converted.weights.at("decoder.head.weight").shape(), (Shape{1176, 512}));
        } else {
            EXPECT_EQ(converted.weights.at("classifier.weight").shape(), (Shape{classes, d}));
        }
    }
}

}  // namespace
}  // namespace vivid
