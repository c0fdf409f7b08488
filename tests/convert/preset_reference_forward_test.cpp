// The presets' reference logits through a real forward and verify_preset. Without the released
// weights, a tiny conformance model is given the preset's label count and a classifier that
// outputs a chosen vector whatever the clip (weight 0, bias = the vector): the reference slice
// where the script reads it, distinct values everywhere else. verify_preset must then pass with
// a zero difference, and fail by the amount one reference value is moved. Pre-training presets
// (logits[0, :3, :3] of the decoder, and the loss) cannot be steered this way: different tokens
// give different rows, so only their shape check is exercised here.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "convert/presets.h"
#include "formats/safetensors.h"
#include "test_support.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;

const fs::path kTiny = test::conformance_dir() / "videomae_tiny_finetuned";

// Copies the tiny classifier with `labels` outputs that always equal `bias`.
void write_steered_model(const fs::path& folder, const std::vector<float>& bias) {
    const auto labels = static_cast<int64_t>(bias.size());
    fs::create_directories(folder);
    nlohmann::json config = nlohmann::json::parse(std::ifstream(kTiny / "expected" / "config.json"));
    config["id2label"] = nlohmann::json::object();
    config["label2id"] = nlohmann::json::object();
    for (int64_t i = 0; i < labels; ++i) {
        config["id2label"][std::to_string(i)] = "label_" + std::to_string(i);
        config["label2id"]["label_" + std::to_string(i)] = i;
    }
    std::ofstream(folder / "config.json") << config.dump(1);
    TensorMap w = read_safetensors((kTiny / "expected" / "model.safetensors").string());
    const int64_t hidden = config["hidden_size"].get<int64_t>();
    w["classifier.weight"] = Tensor::zeros(DType::F32, {labels, hidden});
    Tensor b = Tensor::zeros(DType::F32, {labels});
    std::copy(bias.begin(), bias.end(), b.data_mut<float>());
    w["classifier.bias"] = b;
    write_safetensors((folder / "model.safetensors").string(), w);
}

FloatArray tiny_clip() {
    return read_float_tensor((kTiny / "expected" / "outputs.safetensors").string(), "pixel_values");
}

// The classifier presets with reference values: each reference at its place, 100 + i elsewhere.
std::vector<float> steered_logits(const Preset& p) {
    EXPECT_EQ(p.expected_logits_shape.size(), 2u) << p.name;
    std::vector<float> v(static_cast<std::size_t>(p.expected_logits_shape[1]));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 100.0f + static_cast<float>(i);
    EXPECT_EQ(p.slice_description, "logits[0, :" + std::to_string(p.expected_logits_slice.size()) + "]") << p.name;
    std::copy(p.expected_logits_slice.begin(), p.expected_logits_slice.end(), v.begin());
    return v;
}

TEST(PresetReferenceForward, EveryClassifierPresetPassesOnItsValuesAndFailsWhenOneMoves) {
    int classifiers = 0;
    for (const Preset& p : all_presets()) {
        if (p.expected_logits_slice.empty() || p.label_sets.empty()) continue;
        SCOPED_TRACE(p.name);
        ++classifiers;
        test::TempDir dir;
        std::vector<float> logits = steered_logits(p);
        write_steered_model(dir / "exact", logits);
        Model exact = Model::load((dir / "exact").string());
        const auto checks = verify_preset(exact, p.name, tiny_clip(), nullptr);
        ASSERT_EQ(checks.size(), 2u);
        EXPECT_TRUE(checks[0].passed) << checks[0].line;  // shape
        EXPECT_TRUE(checks[1].passed) << checks[1].line;
        EXPECT_EQ(checks[1].max_difference, 0.0) << checks[1].line;

        // The last reference value moved by 1.5 x the tolerance: the check fails by that much.
        const double moved = 1.5 * p.atol;
        logits[p.expected_logits_slice.size() - 1] += static_cast<float>(moved);
        write_steered_model(dir / "moved", logits);
        Model off = Model::load((dir / "moved").string());
        const auto failed = verify_preset(off, p.name, tiny_clip(), nullptr);
        ASSERT_EQ(failed.size(), 2u);
        EXPECT_TRUE(failed[0].passed);
        EXPECT_FALSE(failed[1].passed) << failed[1].line;
        EXPECT_NEAR(failed[1].max_difference, moved, 1e-5);
        EXPECT_NE(failed[1].line.find("FAIL"), std::string::npos) << failed[1].line;
    }
    EXPECT_GE(classifiers, 3);  // Kinetics-400 and SSv2 VideoMAE models, ViViT-B Kinetics-400
}

TEST(PresetReferenceForward, WrongLabelCountFailsTheShapeCheckAndStops) {
    const Preset& p = require_preset("videomae-base-finetuned-kinetics");
    test::TempDir dir;
    write_steered_model(dir / "m", std::vector<float>(10, 0.0f));
    Model m = Model::load((dir / "m").string());
    const auto checks = verify_preset(m, p.name, tiny_clip(), nullptr);
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_FALSE(checks[0].passed);
    EXPECT_NE(checks[0].line.find("[1, 10]"), std::string::npos) << checks[0].line;
}

}  // namespace
}  // namespace vivid
