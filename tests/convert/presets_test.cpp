// Presets and label lists for `vivid convert --model-name`. Expected values come from the
// upstream scripts (transformers convert_videomae_to_pytorch.py @ 01080c62,
// convert_vivit_flax_to_pytorch.py @ 00ca929e), from HF hub pages, and from the conformance
// cases' expected configs (written by HF save_pretrained), never from presets.json itself.
#include "convert/embedded_data.h"
#include "convert/presets.h"
#include "formats/model_config.h"
#include "test_support.h"
#include "vivid/vivid.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

namespace vivid {
namespace {

using nlohmann::json;

// Byte length of Python's json.dumps({"0": names[0], ...}, indent=indent) for ASCII names
// without characters that need escaping (checked), i.e. HF's id2label file as written.
std::size_t python_id2label_size(const std::vector<std::string>& names, int indent) {
    std::size_t size = 2;  // braces
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (char c : names[i]) {
            EXPECT_TRUE(c >= 0x20 && c < 0x7f && c != '"' && c != '\\') << names[i];
        }
        size += 2 + std::to_string(i).size() + 2 + 2 + names[i].size();  // "k": "v"
        if (indent == 0) {
            size += i + 1 < names.size() ? 2 : 0;  // ", "
        } else {
            size += 1 + static_cast<std::size_t>(indent) + (i + 1 < names.size() ? 1 : 0);
        }
    }
    return indent == 0 ? size : size + 1;  // newline before the closing brace
}

// HF's file listing shows kB rounded to three significant digits: `listed` is that text.
void expect_listed_size(std::size_t bytes, const std::string& listed) {
    const std::size_t decimals = listed.size() - listed.find('.') - 1;
    const double half_unit = 0.5 * std::pow(10.0, -static_cast<double>(decimals));
    EXPECT_NEAR(static_cast<double>(bytes) / 1000.0, std::stod(listed), half_unit + 1e-9)
        << bytes << " bytes, listed as " << listed << " kB";
}

json read_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

std::set<std::string> keys_of(const json& object) {
    std::set<std::string> keys;
    for (const auto& item : object.items()) keys.insert(item.key());
    return keys;
}

TEST(PresetsLabels, Kinetics400HasFourHundredUniqueNames) {
    const auto names = label_names("kinetics400");
    ASSERT_EQ(names.size(), 400u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 400u);
    // HF's kinetics400-id2label.json is the alphabetical Kinetics-400 list.
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(PresetsLabels, Kinetics400IndicesMatchPublicEvidence) {
    const auto names = label_names("kinetics400");
    ASSERT_EQ(names.size(), 400u);
    // The first ids as in the conformance case vivit_tiny (labels taken from the HF list).
    EXPECT_EQ(names[0], "abseiling");
    EXPECT_EQ(names[1], "air drumming");
    EXPECT_EQ(names[2], "answering questions");
    EXPECT_EQ(names[3], "applauding");
    // HF docs: VideoMAE fine-tuned on Kinetics predicts "eating spaghetti" for the test clip.
    EXPECT_EQ(std::count(names.begin(), names.end(), "eating spaghetti"), 1);
    EXPECT_EQ(names[116], "eating spaghetti");
    EXPECT_EQ(names[399], "zumba");
    EXPECT_EQ(names[208], "passing American football (in game)");
}

TEST(PresetsLabels, Kinetics400MatchesHfFileSizes) {
    // huggingface/label-files kinetics400-id2label.json: 9.85 kB as uploaded (91c2ebb, compact
    // json.dump), 10.6 kB after "reformat json (#2)" (5643509, indent 2).
    const auto names = label_names("kinetics400");
    expect_listed_size(python_id2label_size(names, 0), "9.85");
    expect_listed_size(python_id2label_size(names, 2), "10.6");
}

TEST(PresetsLabels, Ssv2Has174UniqueNames) {
    const auto names = label_names("ssv2");
    ASSERT_EQ(names.size(), 174u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 174u);
}

TEST(PresetsLabels, Ssv2IndicesMatchPublicEvidence) {
    const auto names = label_names("ssv2");
    ASSERT_EQ(names.size(), 174u);
    // Index order of the official something-something-v2-labels.json ("...": "0" etc.), text
    // in the bracketed template form of public bracketed id lists.
    EXPECT_EQ(names[0], "Approaching [something] with your camera");
    EXPECT_EQ(names[33], "Moving [part] of [something]");
    EXPECT_EQ(names[51], "Poking a hole into [some substance]");
    EXPECT_EQ(names[52], "Poking a hole into [something soft]");
    EXPECT_EQ(names[102], "Putting [number of] [something] onto [something]");
    EXPECT_EQ(names[131], "[Something] being deflected from [something]");
    EXPECT_EQ(names[146], "Taking [one of many similar things on the table]");
    EXPECT_EQ(names[159],
              "Tipping [something] with [something in it] over, so [something in it] falls out");
    EXPECT_EQ(names[173], "Wiping [something] off of [something]");
}

TEST(PresetsLabels, Ssv2MatchesHfFileSizes) {
    // huggingface/label-files something-something-v2(-id2label).json: 9.75 kB as uploaded
    // (f98a6b5, compact), 10.1 kB after "Format JSON" (dc196d3, indent 2).
    const auto names = label_names("ssv2");
    expect_listed_size(python_id2label_size(names, 0), "9.75");
    expect_listed_size(python_id2label_size(names, 2), "10.1");
}

// ../shared/data/labels: Kinetics-600 (alphabetical ids), EPIC-KITCHENS-100 noun and verb classes.
TEST(PresetsLabels, FactorisedEncoderListsHaveTheirSizes) {
    const auto k600 = label_names("kinetics600");
    ASSERT_EQ(k600.size(), 600u);
    EXPECT_TRUE(std::is_sorted(k600.begin(), k600.end()));
    EXPECT_EQ(k600.front(), "abseiling");
    const auto nouns = label_names("epic_kitchens_100_nouns"), verbs = label_names("epic_kitchens_100_verbs");
    ASSERT_EQ(nouns.size(), 300u);
    ASSERT_EQ(verbs.size(), 97u);
    EXPECT_EQ(nouns.front(), "tap");
    EXPECT_EQ(verbs.front(), "take");
}

TEST(PresetsLabels, UnknownDatasetIsAnError) {
    EXPECT_THROW(label_names("kinetics700"), Error);
}

TEST(PresetsLabels, ParserSkipsCommentsAndCarriageReturnsAndRejectsDuplicates) {
    EXPECT_EQ(parse_label_list("# source\r\na\r\n\nb\n", "t"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(parse_label_list("a\nb", "t"), (std::vector<std::string>{"a", "b"}));
    try {
        parse_label_list("a\nb\na\n", "list.txt");
        FAIL() << "duplicate accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("list.txt: line 3"), std::string::npos) << e.what();
    }
}

TEST(PresetsEmbedding, DataFilesAreCompiledInVerbatim) {
    const auto names = embedded_data_file_names();
    for (const char* file : {"kinetics400_labels.txt", "ssv2_labels.txt", "kinetics600_labels.txt",
                             "epic_kitchens_100_nouns_labels.txt", "epic_kitchens_100_verbs_labels.txt",
                             "presets.json"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), file), names.end()) << file;
        const auto bytes = embedded_data_file(file);
        ASSERT_TRUE(bytes.has_value()) << file;
        EXPECT_EQ(std::string(*bytes),
                  test::read_bytes(test::source_dir() / "src/convert/data" / file));
    }
    EXPECT_FALSE(embedded_data_file("README.md").has_value());
    EXPECT_FALSE(embedded_data_file("no-such-file").has_value());
}

// VideoMAE V2's presets come from its own repository, not from an HF script: their sizes, labels,
// rates and processor are checked in videomae_v2_conversion_test.cpp.
bool is_v2(const Preset& p) { return p.name.starts_with("videomae-v2-"); }

TEST(PresetsTable, HasEveryNameTheConvertersKnow) {
    // model_names in convert_videomae_to_pytorch.py, the ViViT release HF converts, Scenic's
    // four factorised-encoder releases, and VideoMAE V2's zoo.
    const std::vector<std::string> expected = {
        "videomae-small-finetuned-kinetics", "videomae-small-finetuned-ssv2",
        "videomae-base-short",               "videomae-base-short-finetuned-kinetics",
        "videomae-base",                     "videomae-base-finetuned-kinetics",
        "videomae-large",                    "videomae-large-finetuned-kinetics",
        "videomae-huge-finetuned-kinetics",  "videomae-base-short-ssv2",
        "videomae-base-short-finetuned-ssv2", "videomae-base-ssv2",
        "videomae-base-finetuned-ssv2",      "vivit-b-16x2-kinetics400",
        "vivit-b-16x2-fe-kinetics400",       "vivit-l-16x2-fe-kinetics400",
        "vivit-l-16x2-fe-kinetics600",       "vivit-l-16x2-fe-epic-kitchens",
        "videomae-v2-giant-pretrain",        "videomae-v2-giant-k710",
        "videomae-v2-giant-k400",            "videomae-v2-giant-k600",
        "videomae-v2-giant-ssv2",            "videomae-v2-giant-ucf101",
        "videomae-v2-giant-hmdb51",          "videomae-v2-small-k710-distilled",
        "videomae-v2-base-k710-distilled"};
    EXPECT_EQ(preset_names(), expected);
    EXPECT_EQ(find_preset("videomae-tiny"), nullptr);
    try {
        require_preset("videomae-tiny");
        FAIL() << "unknown preset accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("videomae-base-finetuned-ssv2"), std::string::npos);
    }
}

struct Sizes {
    int hidden, heads, intermediate, layers, dec_hidden, dec_heads, dec_intermediate, dec_layers;
};

void expect_sizes(const std::string& name, const Sizes& s) {
    const Preset& p = require_preset(name);
    SCOPED_TRACE(name);
    EXPECT_EQ(p.config.at("hidden_size"), s.hidden);
    EXPECT_EQ(p.config.at("num_attention_heads"), s.heads);
    EXPECT_EQ(p.config.at("intermediate_size"), s.intermediate);
    EXPECT_EQ(p.config.at("num_hidden_layers"), s.layers);
    EXPECT_EQ(p.config.at("decoder_hidden_size"), s.dec_hidden);
    EXPECT_EQ(p.config.at("decoder_num_attention_heads"), s.dec_heads);
    EXPECT_EQ(p.config.at("decoder_intermediate_size"), s.dec_intermediate);
    EXPECT_EQ(p.config.at("decoder_num_hidden_layers"), s.dec_layers);
    EXPECT_EQ(p.config.at("num_frames"), 16);
    EXPECT_EQ(p.config.at("image_size"), 224);
    EXPECT_EQ(p.config.at("patch_size"), 16);
    EXPECT_EQ(p.config.at("tubelet_size"), 2);
}

TEST(PresetsTable, VideoMaeSizesFollowTheConverter) {
    // set_architecture_configs; "small" keeps the converter's 16 heads. The hub configs of
    // MCG-NJU/videomae-small-finetuned-kinetics (hidden 384; decoder 192/3/12/768) and
    // -large-finetuned-kinetics (hidden 1024; decoder 512/8/12/2048) agree.
    expect_sizes("videomae-small-finetuned-kinetics", {384, 16, 1536, 12, 192, 3, 768, 12});
    expect_sizes("videomae-small-finetuned-ssv2", {384, 16, 1536, 12, 192, 3, 768, 12});
    expect_sizes("videomae-base", {768, 12, 3072, 12, 384, 6, 1536, 4});
    expect_sizes("videomae-base-short-finetuned-ssv2", {768, 12, 3072, 12, 384, 6, 1536, 4});
    expect_sizes("videomae-large", {1024, 16, 4096, 24, 512, 8, 2048, 12});
    expect_sizes("videomae-large-finetuned-kinetics", {1024, 16, 4096, 24, 512, 8, 2048, 12});
    expect_sizes("videomae-huge-finetuned-kinetics", {1280, 16, 5120, 32, 640, 8, 2560, 12});
}

TEST(PresetsTable, SmallPresetsWarnAboutTheHeadCount) {
    for (const Preset& p : all_presets()) {
        const bool small = p.name.find("small") != std::string::npos && !is_v2(p);  // V2's ViT-S has 6 heads
        ASSERT_EQ(p.warnings.size(), small ? 1u : 0u) << p.name;
        if (small) {
            EXPECT_NE(p.warnings[0].find("16"), std::string::npos);
            EXPECT_NE(p.warnings[0].find("6 heads"), std::string::npos);
        }
    }
}

// Label lists by name: EPIC-KITCHENS nouns then verbs (Scenic's class_splits [300, 97]).
std::vector<std::string> expected_label_sets(const Preset& p, bool finetuned) {
    if (p.name.find("epic-kitchens") != std::string::npos) return {"epic_kitchens_100_nouns", "epic_kitchens_100_verbs"};
    if (p.name.find("kinetics600") != std::string::npos) return {"kinetics600"};
    if (p.name.find("kinetics") != std::string::npos) return {"kinetics400"};
    if (finetuned) return {"ssv2"};
    return {};
}

TEST(PresetsTable, HeadsAndLabelsFollowTheName) {
    for (const Preset& p : all_presets()) {
        if (is_v2(p)) continue;
        SCOPED_TRACE(p.name);
        const bool finetuned = p.name.find("finetuned") != std::string::npos ||
                               p.source_format == "vivit-flax";
        const bool factorised = p.name.find("-fe-") != std::string::npos;
        EXPECT_EQ(p.label_sets, expected_label_sets(p, finetuned));
        EXPECT_DOUBLE_EQ(p.atol, 1e-4);
        if (p.source_format == "vivit-flax") {
            EXPECT_EQ(p.config.at("architectures"),
                      json::array({factorised ? "VivitFactorisedEncoderForVideoClassification"
                                              : "VivitForVideoClassification"}));
        } else if (finetuned) {
            EXPECT_EQ(p.config.at("architectures"),
                      json::array({"VideoMAEForVideoClassification"}));
            EXPECT_EQ(p.config.at("use_mean_pooling"), true);
        } else {
            EXPECT_EQ(p.config.at("architectures"), json::array({"VideoMAEForPreTraining"}));
            EXPECT_EQ(p.config.at("use_mean_pooling"), false);
            EXPECT_FALSE(p.config.contains("id2label"));
            // 1408 masked patches of the reference mask, 3*2*16*16 pixel values each.
            EXPECT_EQ(p.expected_logits_shape, (Shape{1, 1408, 1536}));
            EXPECT_EQ(p.slice_description, "logits[0, :3, :3]");
            EXPECT_EQ(p.expected_logits_slice.size(), 9u);
        }
        if (finetuned) {
            std::vector<std::string> names;
            for (const std::string& set : p.label_sets) {
                const auto part = label_names(set);
                names.insert(names.end(), part.begin(), part.end());
            }
            EXPECT_EQ(p.expected_logits_shape, (Shape{1, static_cast<int64_t>(names.size())}));
            ASSERT_EQ(p.config.at("id2label").size(), names.size());
            EXPECT_EQ(p.config.at("id2label").at("0"), names[0]);
            EXPECT_EQ(p.config.at("id2label").at(std::to_string(names.size() - 1)), names.back());
            EXPECT_EQ(p.config.at("label2id").at(names[5]), 5);
        }
    }
}

// Scenic's configs @ a6c44383 (vivit_{base,large}_factorised_encoder.py for Kinetics-400/600 and
// EPIC-KITCHENS): the model sizes, 32 frames at stride 2 (EPIC-KITCHENS: 1), min_resize 256,
// crop 224, zero centering. No reference logits exist for these checkpoints.
TEST(PresetsTable, FactorisedEncoderPresetsFollowScenicsConfigs) {
    struct Want {
        const char* name;
        int64_t hidden, heads, mlp, layers, labels, rate;
    };
    const Want wants[] = {{"vivit-b-16x2-fe-kinetics400", 768, 12, 3072, 12, 400, 2},
                          {"vivit-l-16x2-fe-kinetics400", 1024, 16, 4096, 24, 400, 2},
                          {"vivit-l-16x2-fe-kinetics600", 1024, 16, 4096, 24, 600, 2},
                          {"vivit-l-16x2-fe-epic-kitchens", 1024, 16, 4096, 24, 397, 1}};
    for (const Want& w : wants) {
        SCOPED_TRACE(w.name);
        const Preset& p = require_preset(w.name);
        const VivitConfig c = std::get<VivitConfig>(parse_model_config(p.config.dump(), w.name));
        EXPECT_TRUE(c.factorised_encoder);
        EXPECT_EQ(c.hidden_size, w.hidden);
        EXPECT_EQ(c.num_attention_heads, w.heads);
        EXPECT_EQ(c.temporal_num_attention_heads, w.heads);
        EXPECT_EQ(c.intermediate_size, w.mlp);
        EXPECT_EQ(c.temporal_intermediate_size, w.mlp);
        EXPECT_EQ(c.num_hidden_layers, w.layers);
        EXPECT_EQ(c.num_temporal_layers, 4);  // the configs' value; a checkpoint's own depth wins
        EXPECT_EQ(c.num_frames, 32);
        EXPECT_EQ(c.image_size, 224);
        EXPECT_EQ(c.tubelet_size, (std::array<int64_t, 3>{2, 16, 16}));
        EXPECT_EQ(c.common.num_labels(), w.labels);
        EXPECT_EQ(p.frame_sampling_rate, w.rate);
        EXPECT_TRUE(p.expected_logits_slice.empty());
        EXPECT_TRUE(p.reference_input.empty());
        EXPECT_NE(p.upstream_source.find("google-research/scenic"), std::string::npos);
        const json& pre = p.preprocessor_config;
        EXPECT_EQ(pre.at("size"), json({{"shortest_edge", 256}}));
        EXPECT_EQ(pre.at("crop_size"), json({{"height", 224}, {"width", 224}}));
        EXPECT_EQ(pre.at("do_zero_centering"), true);
        EXPECT_EQ(pre.at("do_normalize"), false);
        const bool epic = w.labels == 397;
        ASSERT_EQ(c.heads.size(), epic ? 2u : 0u);
        if (epic) {
            EXPECT_EQ(c.heads[0].name, "noun");
            EXPECT_EQ(c.heads[0].size, 300);
            EXPECT_EQ(c.heads[1].name, "verb");
            EXPECT_EQ(c.common.id2label[0], "tap");     // noun_class 0
            EXPECT_EQ(c.common.id2label[300], "take");  // verb_class 0
        }
    }
}

TEST(PresetsTable, OnlyTheFactorisedEncodersStateAFrameSamplingRate) {
    for (const Preset& p : all_presets()) {
        if (!is_v2(p)) {
            EXPECT_EQ(p.frame_sampling_rate > 0, p.name.find("-fe-") != std::string::npos) << p.name;
        }
    }
}

TEST(PresetsTable, ReferenceValuesAreTheScriptsAsserts) {
    EXPECT_EQ(require_preset("videomae-small-finetuned-kinetics").expected_logits_slice,
              (std::vector<float>{-0.9291f, -0.4061f, -0.9307f}));
    EXPECT_EQ(require_preset("videomae-base-finetuned-ssv2").expected_logits_slice,
              (std::vector<float>{0.1961f, -0.8337f, -0.6389f}));
    EXPECT_EQ(require_preset("videomae-huge-finetuned-kinetics").expected_logits_slice,
              (std::vector<float>{0.2433f, 0.1632f, -0.4894f}));
    EXPECT_EQ(require_preset("videomae-base-ssv2").expected_logits_slice,
              (std::vector<float>{0.8131f, 0.8727f, 0.8546f, 0.7366f, 0.9377f, 0.8870f, 0.5935f,
                                  0.8874f, 0.8564f}));
}

TEST(PresetsTable, BaseShortCarriesBothLosses) {
    const Preset& p = require_preset("videomae-base-short");
    EXPECT_EQ(p.config.at("norm_pix_loss"), true);  // VideoMAEConfig default; not set by the converter
    ASSERT_TRUE(p.expected_loss.has_value());
    EXPECT_FLOAT_EQ(*p.expected_loss, 0.5142f);
    EXPECT_FLOAT_EQ(*p.expected_loss_for(false), 0.6469f);
    EXPECT_FLOAT_EQ(*p.expected_loss_for(true), 0.5142f);
    EXPECT_EQ(p.expected_logits_slice,
              (std::vector<float>{0.7994f, 0.9612f, 0.8508f, 0.7401f, 0.8958f, 0.8302f, 0.5862f,
                                  0.7468f, 0.7325f}));
    for (const Preset& other : all_presets()) {
        if (other.name != p.name) {
            EXPECT_FALSE(other.expected_loss.has_value()) << other.name;
        }
    }
}

TEST(PresetsTable, VivitPresetFollowsTheVivitConverter) {
    const Preset& p = require_preset("vivit-b-16x2-kinetics400");
    EXPECT_EQ(p.source_format, "vivit-flax");
    EXPECT_EQ(p.expected_logits_shape, (Shape{1, 400}));
    EXPECT_EQ(p.slice_description, "logits[0, :5]");
    EXPECT_EQ(p.expected_logits_slice,
              (std::vector<float>{-1.0543f, 2.0764f, -0.2104f, 0.4439f, -0.9658f}));
    // The converter asserts image_size 224 and num_frames 32 (VivitConfig defaults).
    EXPECT_EQ(p.config.at("image_size"), 224);
    EXPECT_EQ(p.config.at("num_frames"), 32);
    EXPECT_EQ(p.config.at("tubelet_size"), json::array({2, 16, 16}));
    EXPECT_EQ(p.config.at("hidden_act"), "gelu_fast");
    EXPECT_EQ(p.config.at("layer_norm_eps"), 1e-6);
    // get_processor's asserts.
    const json& pre = p.preprocessor_config;
    EXPECT_EQ(pre.at("size"), json({{"shortest_edge", 256}}));
    EXPECT_EQ(pre.at("crop_size"), json({{"height", 224}, {"width", 224}}));
    EXPECT_EQ(pre.at("resample"), 2);
    EXPECT_EQ(pre.at("do_normalize"), false);
    EXPECT_EQ(pre.at("do_zero_centering"), true);
    EXPECT_DOUBLE_EQ(pre.at("rescale_factor").get<double>(), 1.0 / 255.0);
}

// The conformance cases' expected/config.json were written by HF save_pretrained: a preset
// must have exactly the same keys (values differ: the cases are tiny models).
TEST(PresetsTable, ConfigsHaveTheKeysSavePretrainedWrites) {
    const auto cases = test::conformance_dir();
    const auto finetuned = read_json(cases / "videomae_tiny_finetuned/expected/config.json");
    const auto pretrain = read_json(cases / "videomae_tiny_pretrain_normpix/expected/config.json");
    const auto vivit = read_json(cases / "vivit_tiny/expected/config.json");
    EXPECT_EQ(keys_of(require_preset("videomae-base-finetuned-kinetics").config), keys_of(finetuned));
    EXPECT_EQ(keys_of(require_preset("videomae-small-finetuned-ssv2").config), keys_of(finetuned));
    EXPECT_EQ(keys_of(require_preset("videomae-base-short").config), keys_of(pretrain));
    EXPECT_EQ(keys_of(require_preset("videomae-large").config), keys_of(pretrain));
    EXPECT_EQ(keys_of(require_preset("vivit-b-16x2-kinetics400").config), keys_of(vivit));
    // Values the converter does not change are HF's defaults, as in the cases.
    const json& base = require_preset("videomae-base").config;
    for (const char* key : {"hidden_act", "layer_norm_eps", "qkv_bias", "num_channels",
                            "attention_probs_dropout_prob", "hidden_dropout_prob",
                            "initializer_range", "model_type", "torch_dtype", "norm_pix_loss"}) {
        EXPECT_EQ(base.at(key), pretrain.at(key)) << key;
    }
}

TEST(PresetsTable, PreprocessorConfigsAreWhatTheConvertersSave) {
    const auto cases = test::conformance_dir();
    json videomae = read_json(cases / "videomae_tiny_finetuned/expected/preprocessor_config.json");
    json vivit = read_json(cases / "vivit_tiny/expected/preprocessor_config.json");
    // Same processor settings, at the released resolution.
    videomae["size"] = {{"shortest_edge", 224}};
    videomae["crop_size"] = {{"height", 224}, {"width", 224}};
    vivit["size"] = {{"shortest_edge", 256}};
    vivit["crop_size"] = {{"height", 224}, {"width", 224}};
    // VideoMAE V2's test pipeline: the same steps with ImageNet's mean and std.
    json v2 = videomae;
    v2["image_mean"] = {0.485, 0.456, 0.406};
    v2["image_std"] = {0.229, 0.224, 0.225};
    for (const Preset& p : all_presets()) {
        EXPECT_EQ(p.preprocessor_config, is_v2(p) ? v2 : p.source_format == "vivit-flax" ? vivit : videomae) << p.name;
    }
}

TEST(PresetsParsing, BadDocumentsAreErrorsNamingTheSource) {
    EXPECT_THROW(parse_presets("{", "p.json"), Error);
    EXPECT_THROW(parse_presets("{}", "p.json"), Error);
    EXPECT_THROW(parse_presets(R"({"presets": [{"name": 3}]})", "p.json"), Error);
    try {
        parse_presets(R"({"presets": [{"name": "x"}]})", "p.json");
        FAIL() << "incomplete preset accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("p.json preset 'x'"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace vivid
