// A model with split heads (Scenic's EPIC-KITCHENS ViViT: noun, then verb): each head's top-k of
// its own softmax and the joint top-k of their product, against softmaxes and an exhaustive
// search over every (noun, verb) pair computed here from the reference logits.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <vivid/vivid.h>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;

const fs::path kFixture = vivid::test::data_dir() / "vivit_fe" / "fe_two_heads";

std::vector<double> softmax(const std::vector<float>& logits, std::size_t begin, std::size_t end) {
    std::vector<double> p(logits.begin() + begin, logits.begin() + end);
    const double mx = *std::max_element(p.begin(), p.end());
    double sum = 0;
    for (double& v : p) sum += (v = std::exp(v - mx));
    for (double& v : p) v /= sum;
    return p;
}

TEST(SplitHeads, EachHeadAndTheJointAreTheSoftmaxesAndTheirBestProducts) {
    vivid::Model model = vivid::Model::load((kFixture / "expected").string(), {.threads = 1});
    ASSERT_EQ(model.info().label_heads.size(), 2u);
    EXPECT_EQ(model.info().temporal_layers, 3);
    const vivid::FloatArray io = vivid::read_float_tensor((kFixture / "expected" / "outputs.safetensors").string(), "logits");
    const std::vector<float> row(io.values.begin(), io.values.begin() + 7);  // clip 0: noun 4, verb 3
    const auto noun = softmax(row, 0, 4), verb = softmax(row, 4, 7);
    const auto& labels = model.info().labels;

    const auto heads = model.head_labels({{1, 7}, row}, 3);
    ASSERT_EQ(heads.size(), 3u);
    EXPECT_EQ(heads[0].head, "noun");
    EXPECT_EQ(heads[1].head, "verb");
    EXPECT_EQ(heads[2].head, "joint");
    for (int h = 0; h < 2; ++h) {
        const auto& p = h == 0 ? noun : verb;
        std::vector<std::size_t> order(p.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
        ASSERT_EQ(heads[h].labels.size(), 3u);
        for (int k = 0; k < 3; ++k) {
            EXPECT_EQ(heads[h].labels[k].label, labels[(h == 0 ? 0 : 4) + order[k]]);
            EXPECT_NEAR(heads[h].labels[k].score, p[order[k]], 1e-12);
        }
    }
    std::vector<std::pair<double, std::string>> pairs;
    for (int n = 0; n < 4; ++n)
        for (int v = 0; v < 3; ++v) pairs.push_back({noun[n] * verb[v], labels[n] + " + " + labels[4 + v]});
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(heads[2].labels[k].label, pairs[k].second);
        EXPECT_NEAR(heads[2].labels[k].score, pairs[k].first, 1e-12);
    }
    // The flat answers (classify, timeline) are the joint ones.
    const auto flat = model.top_labels({{1, 7}, row}, 3);
    EXPECT_EQ(flat[0].label, pairs[0].second);
}

TEST(SplitHeads, TheCommandsAnswerPerHead) {
    const std::string model = (kFixture / "expected").string(), video = (kFixture / "video.npy").string();
    auto r = vivid::test::run_cli({"classify", "--model", model, video, "--json", "--top-k", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto one = nlohmann::json::parse(r.out);
    ASSERT_TRUE(one.is_object()) << r.out;
    for (const char* head : {"noun", "verb", "joint"}) EXPECT_EQ(one[head].size(), 2u) << head;
    EXPECT_NE(one["joint"][0]["label"].get<std::string>().find(" + "), std::string::npos);

    vivid::test::TempDir tmp;
    r = vivid::test::run_cli({"classify", "--model", model, video, "--out", (tmp / "r.jsonl").string(), "--top-k", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto record = nlohmann::json::parse(vivid::test::read_bytes(tmp / "r.jsonl"));
    EXPECT_EQ(record["labels"], one);  // the record's labels are the same object

    r = vivid::test::run_cli({"timeline", "--model", model, video, "--fps", "6", "--out", "-", "--top-k", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto window = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
    EXPECT_EQ(window["labels"][0]["label"], one["joint"][0]["label"]);  // the timeline reads the joint

    r = vivid::test::run_cli({"info", "--model", model, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto info = nlohmann::json::parse(r.out);
    EXPECT_EQ(info["temporal_layers"], 3);
    EXPECT_EQ(info["label_heads"][1]["name"], "verb");
}

}  // namespace

namespace {

// A folder whose config.json states the rate its model was evaluated at (presets write it):
// the model samples at that rate unless the caller names one.
TEST(StatedSamplingRate, TheFolderRateIsTheDefaultAndTheCallerWins) {
    vivid::test::TempDir tmp;
    for (const char* f : {"model.safetensors", "preprocessor_config.json"})
        fs::copy_file(kFixture / "expected" / f, tmp / f);
    auto config = nlohmann::json::parse(vivid::test::read_bytes(kFixture / "expected" / "config.json"));
    config["frame_sampling_rate"] = 3;
    vivid::test::write_bytes(tmp / "config.json", config.dump());
    const std::string video = (vivid::test::data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4").string();

    vivid::Model stated = vivid::Model::load(tmp.path().string(), {.threads = 1});
    EXPECT_EQ(stated.options().frame_sampling_rate, 3);
    vivid::Model asked = vivid::Model::load(tmp.path().string(), {.threads = 1, .frame_sampling_rate = 1});
    EXPECT_EQ(asked.options().frame_sampling_rate, 1);
    vivid::Model plain = vivid::Model::load((kFixture / "expected").string(), {.threads = 1});
    EXPECT_EQ(plain.options().frame_sampling_rate, 1);  // nothing stated: HF's default

    // 6 frames at rate 3 span 18 of the video's 20: the clip differs from rate 1's.
    vivid::Options at3{.threads = 1, .frame_sampling_rate = 3};
    at3.preprocessor_config = (tmp / "preprocessor_config.json").string();
    const auto want = vivid::preprocess_video(video, 6, at3).pixel_values;
    EXPECT_EQ(stated.pixel_values(video).values, want.values);
    EXPECT_NE(asked.pixel_values(video).values, want.values);
}

}  // namespace
