// VideoMAE V2 end to end through the CLI on the tiny V2 files of tests/data/videomae_v2: convert,
// then logits (and the pre-training loss) within 1e-4 of the fixture script's float64 torch
// forward; `features --recipe videomae-v2-tad` within 1e-4 of V2's extract_tad_feature.py rule
// (windows, torch bilinear, fc_norm of the token mean); a Kinetics-400 head taken from a K710
// one answers the K710 logits' rows; bf16 and int8 at head size 88 within their bounds.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "conformance/case_runner.h"
#include "formats/npy.h"
#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::run_cli;

fs::path fixture(const std::string& name) { return test::data_dir() / "videomae_v2" / name; }

// `vivid convert` of the fixture with its config (and extra flags) into dir/name.
fs::path converted(const test::TempDir& dir, const std::string& name, std::vector<std::string> extra = {}) {
    const fs::path out = dir / name;
    std::vector<std::string> args{"convert", "--from", "videomae-pth", "--checkpoint",
                                  (fixture(name) / "checkpoint.pth").string(), "--config",
                                  (fixture(name) / "config.json").string(), "--out", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
}

Tensor outputs_tensor(const fs::path& file, const std::string& key) {
    return read_safetensors(file.string()).at(key).contiguous_copy().to_float32();
}

// logits of `vivid run` on the fixture's pixel_values, float32 (clips, classes).
Tensor run_logits(const fs::path& model, const std::string& name, const std::string& precision = "fp32") {
    test::TempDir tmp;
    const fs::path out = tmp / "out.safetensors";
    const auto r = run_cli({"run", "--model", model.string(), "--pixel-values",
                            (fixture(name) / "expected" / "outputs.safetensors").string(), "--precision", precision,
                            "--save-outputs", out.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return outputs_tensor(out, "logits");
}

class V2Case : public ::testing::TestWithParam<const char*> {};

TEST_P(V2Case, ConvertedModelMatchesTheReferenceForward) {
    const auto cases = test::find_cases(test::data_dir() / "videomae_v2", {"videomae-v2"});
    const auto c = std::find_if(cases.begin(), cases.end(), [](const auto& x) { return x.name() == GetParam(); });
    ASSERT_NE(c, cases.end());
    test::TempDir tmp;
    const fs::path model = converted(tmp, GetParam());
    for (std::size_t i = 0; i < c->spec["run"].size(); ++i) test::check_run_entry(*c, model, i);
}

INSTANTIATE_TEST_SUITE_P(VideoMAEV2, V2Case,
                         ::testing::Values("giant_like_module_fp16", "distilled_bare_orig_mod", "pretrain_model_decoder"));

json read_records(const fs::path& jsonl) {
    std::ifstream in(jsonl);
    std::string line;
    json all = json::array();
    while (std::getline(in, line)) all.push_back(json::parse(line));
    return all;
}

TEST(VideoMAEV2Tad, FeaturesFollowExtractTadFeature) {
    test::TempDir tmp;
    const fs::path model = converted(tmp, "giant_like_module_fp16");
    const fs::path out = tmp / "features";
    const auto r = run_cli({"features", "--model", model.string(), "--recipe", "videomae-v2-tad", "--fps", "25",
                            (fixture("giant_like_module_fp16") / "video.npy").string(), "--out", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Tensor got = read_npy((out / "video.npy").string());
    const Tensor want = outputs_tensor(fixture("giant_like_module_fp16") / "expected" / "outputs.safetensors", "features");
    ASSERT_EQ(got.shape(), want.shape());  // 23 frames: windows at 0, 4, 8, 12 (whole windows of 8)
    double worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i)
        worst = std::max(worst, std::fabs(double(got.data<float>()[i]) - want.data<float>()[i]));
    EXPECT_LE(worst, 1e-4);
    std::printf("videomae-v2-tad features: max |difference| %.3g over %lld values\n", worst,
                static_cast<long long>(want.numel()));
    const json record = read_records(out / "features.jsonl").at(0);
    EXPECT_EQ(record["recipe"], "videomae-v2-tad");
    EXPECT_EQ(record["stride"], 4);
    EXPECT_EQ(record["frame_sampling_rate"], 1);
    std::vector<int64_t> starts, ends;
    for (const json& w : record["windows"]) {
        starts.push_back(w["start_frame"]);
        ends.push_back(w["end_frame"]);
    }
    EXPECT_EQ(starts, (std::vector<int64_t>{0, 4, 8, 12}));
    EXPECT_EQ(ends, (std::vector<int64_t>{7, 11, 15, 19}));  // consecutive frames, sampling rate 1
}

TEST(VideoMAEV2Tad, StrideOverridesFour) {
    test::TempDir tmp;
    const fs::path model = converted(tmp, "giant_like_module_fp16");
    const fs::path out = tmp / "features";
    ASSERT_EQ(run_cli({"features", "--model", model.string(), "--recipe", "videomae-v2-tad", "--stride", "8", "--fps",
                       "25", (fixture("giant_like_module_fp16") / "video.npy").string(), "--out", out.string()})
                  .exit_code,
              0);
    const Tensor got = read_npy((out / "video.npy").string());
    const Tensor want = outputs_tensor(fixture("giant_like_module_fp16") / "expected" / "outputs.safetensors", "features");
    ASSERT_EQ(got.shape(), (Shape{2, 176}));  // windows at 0 and 8: rows 0 and 2 of every-4
    for (int64_t row : {0, 1})
        for (int64_t j = 0; j < 176; ++j)
            EXPECT_NEAR(got.data<float>()[row * 176 + j], want.data<float>()[row * 2 * 176 + j], 1e-4);
}

TEST(VideoMAEV2Tad, ModelsWithoutFcNormAreRefused) {
    test::TempDir tmp;
    const fs::path model = converted(tmp, "pretrain_model_decoder");
    const auto r = run_cli({"features", "--model", model.string(), "--recipe", "videomae-v2-tad", "--fps", "25",
                            (fixture("pretrain_model_decoder") / "video.npy").string(), "--out", (tmp / "f").string()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.exit_code, 2);  // refused before any video is read
    EXPECT_NE(r.err.find("only a fine-tuned VideoMAE with mean pooling has"), std::string::npos) << r.err;
    const auto unknown = run_cli({"features", "--model", model.string(), "--recipe", "tad", "--fps", "25",
                                  (fixture("pretrain_model_decoder") / "video.npy").string(), "--out", (tmp / "g").string()});
    EXPECT_NE(unknown.exit_code, 0);
}

TEST(VideoMAEV2Labels, Kinetics400HeadAnswersTheK710LogitsRows) {
    test::TempDir tmp;
    const fs::path full = converted(tmp, "giant_like_module_fp16");
    const fs::path k400 = tmp / "k400";
    ASSERT_EQ(run_cli({"convert", "--from", "videomae-pth", "--checkpoint",
                       (fixture("giant_like_module_fp16") / "checkpoint.pth").string(), "--config",
                       (fixture("giant_like_module_fp16") / "config.json").string(), "--labels", "kinetics400",
                       "--out", k400.string()})
                  .exit_code,
              0);
    const json rows = json::parse(test::read_bytes(test::source_dir() / "src/convert/data/kinetics710_to_kinetics400_rows.json"))["rows"];
    const Tensor all = run_logits(full, "giant_like_module_fp16"), some = run_logits(k400, "giant_like_module_fp16");
    ASSERT_EQ(some.shape(), (Shape{2, 400}));
    for (int64_t clip = 0; clip < 2; ++clip)
        for (int64_t i = 0; i < 400; ++i)
            EXPECT_NEAR(some.data<float>()[clip * 400 + i], all.data<float>()[clip * 710 + rows[i].get<int64_t>()], 1e-5);
    const json config = json::parse(test::read_bytes(k400 / "config.json"));
    EXPECT_EQ(config["id2label"]["0"], "abseiling");
    EXPECT_EQ(config["id2label"].size(), 400u);
}

// Head size 88 (the giant's) through the reduced-precision kernels: PRODUCT.md's bounds on the
// largest |logit| (bf16 2 %, int8 10 %) and the same top-1 per clip.
TEST(VideoMAEV2Precision, HeadSize88StaysWithinTheBounds) {
    test::TempDir tmp;
    const fs::path model = converted(tmp, "giant_like_module_fp16");
    const Tensor want = outputs_tensor(fixture("giant_like_module_fp16") / "expected" / "outputs.safetensors", "logits");
    for (const auto& [precision, bound] : {std::pair{"bf16", 0.02}, {"int8", 0.10}}) {
        const Tensor got = run_logits(model, "giant_like_module_fp16", precision);
        if (got.numel() == 0) continue;
        double largest = 0, worst = 0;
        for (int64_t i = 0; i < want.numel(); ++i) {
            largest = std::max(largest, std::fabs(double(want.data<float>()[i])));
            worst = std::max(worst, std::fabs(double(got.data<float>()[i]) - want.data<float>()[i]));
        }
        std::printf("%s at head size 88: max |difference| %.4f = %.2f %% of the largest |logit|\n", precision, worst,
                    100 * worst / largest);
        EXPECT_LE(worst, bound * largest) << precision;
        for (int64_t clip = 0; clip < 2; ++clip) {
            const float* g = got.data<float>() + clip * 710;
            const float* w = want.data<float>() + clip * 710;
            EXPECT_EQ(std::max_element(g, g + 710) - g, std::max_element(w, w + 710) - w) << precision << " clip " << clip;
        }
    }
}

}  // namespace
}  // namespace vivid
