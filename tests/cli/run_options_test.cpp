// Options of `run`, `classify` and `convert` checked against expectations from outside vivid's
// code: HF's golden outputs for both kernel sets, and the multi-clip average written out here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;

fs::path case_dir(const char* name) { return test::conformance_dir() / name; }

double max_abs_difference(const Tensor& a, const Tensor& b) {
    const Tensor x = a.to_float32().contiguous_copy(), y = b.to_float32().contiguous_copy();
    EXPECT_EQ(x.shape(), y.shape());
    double worst = 0;
    for (int64_t i = 0; i < std::min(x.numel(), y.numel()); ++i)
        worst = std::max(worst, std::fabs(static_cast<double>(x.data<float>()[i]) - y.data<float>()[i]));
    return worst;
}

// Both kernel sets reproduce transformers' logits (and loss) on the conformance inputs.
TEST(RunOptions, EitherKernelSetMatchesHuggingFace) {
    for (const char* name : {"vivit_tiny", "videomae_tiny_finetuned", "videomae_tiny_pretrain_normpix"}) {
        const fs::path expected = case_dir(name) / "expected";
        const TensorMap hf = read_safetensors((expected / "outputs.safetensors").string());
        std::vector<Tensor> logits;
        for (const char* kernels : {"reference", "optimized"}) {
            SCOPED_TRACE(std::string(name) + " " + kernels);
            test::TempDir tmp;
            std::vector<std::string> args{"run", "--model", expected.string(), "--pixel-values",
                                          (expected / "outputs.safetensors").string(), "--kernels", kernels,
                                          "--save-outputs", (tmp / "o.safetensors").string()};
            if (hf.count("bool_masked_pos")) {
                args.push_back("--mask");
                args.push_back((expected / "outputs.safetensors").string());
            }
            const auto r = test::run_cli(args);
            ASSERT_EQ(r.exit_code, 0) << r.err;
            const TensorMap out = read_safetensors((tmp / "o.safetensors").string());
            EXPECT_LT(max_abs_difference(out.at("logits"), hf.at("logits")), 1e-4);
            if (hf.count("loss")) {
                EXPECT_LT(max_abs_difference(out.at("loss"), hf.at("loss")), 1e-4);
            }
            logits.push_back(out.at("logits"));
        }
        // The flag takes effect: double-precision loops and the fast kernels round differently,
        // so their logits are close but not bit-identical.
        ASSERT_EQ(logits.size(), 2u);
        EXPECT_GT(max_abs_difference(logits[0], logits[1]), 0.0) << name;
    }
    test::TempDir tmp;
    const fs::path expected = case_dir("vivit_tiny") / "expected";
    const auto r = test::run_cli({"run", "--model", expected.string(), "--pixel-values",
                                  (expected / "outputs.safetensors").string(), "--kernels", "fastest",
                                  "--save-outputs", (tmp / "o.safetensors").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("fastest"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(tmp / "o.safetensors"));
}

// --clips K: the probabilities are the softmax of the K clips' mean logits (VideoMAE's
// multi-view test), computed here from `preprocess --clips` and `run` on the same video.
TEST(RunOptions, ClassifyClipsAveragesTheClipsLogits) {
    const fs::path model = case_dir("videomae_tiny_finetuned") / "expected";
    const fs::path video = test::data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4";  // 20 frames
    test::TempDir tmp;
    auto r = test::run_cli({"preprocess", "--preprocessor-config", (model / "preprocessor_config.json").string(),
                            "--video", video.string(), "--num-frames", "8", "--clips", "2", "--save-outputs",
                            (tmp / "pv.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    {  // run wants (B,T,C,H,W) under the name pixel_values: the two clips are a batch of 2
        const TensorMap pre = read_safetensors((tmp / "pv.safetensors").string());
        ASSERT_EQ(pre.at("pixel_values").shape(), (Shape{2, 8, 3, 32, 32}));
    }
    r = test::run_cli({"run", "--model", model.string(), "--pixel-values", (tmp / "pv.safetensors").string(),
                       "--save-outputs", (tmp / "o.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Tensor logits = read_safetensors((tmp / "o.safetensors").string()).at("logits").contiguous_copy();
    const int64_t n = logits.size(1);
    std::vector<double> mean(n), first(n);
    for (int64_t i = 0; i < n; ++i) {
        mean[i] = (logits.data<float>()[i] + logits.data<float>()[n + i]) / 2.0;
        first[i] = logits.data<float>()[i];
    }
    auto softmax = [](std::vector<double> v) {
        const double mx = *std::max_element(v.begin(), v.end());
        double sum = 0;
        for (double& x : v) sum += (x = std::exp(x - mx));
        for (double& x : v) x /= sum;
        return v;
    };
    const std::vector<double> want = softmax(mean), one_clip = softmax(first);

    r = test::run_cli({"classify", "--model", model.string(), video.string(), "--clips", "2", "--json", "--top-k",
                       std::to_string(n)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto config = nlohmann::json::parse(test::read_bytes(model / "config.json"));
    double worst = 0, worst_vs_one_clip = 0;
    for (const auto& p : nlohmann::json::parse(r.out)) {
        int64_t index = -1;
        for (const auto& [id, label] : config["id2label"].items())
            if (label == p["label"]) index = std::stoll(id);
        ASSERT_GE(index, 0) << p;
        worst = std::max(worst, std::fabs(p["score"].get<double>() - want[index]));
        worst_vs_one_clip = std::max(worst_vs_one_clip, std::fabs(p["score"].get<double>() - one_clip[index]));
    }
    EXPECT_LT(worst, 1e-6);
    EXPECT_GT(worst_vs_one_clip, 1e-4);  // the second clip counts
}

// The numbers after `prefix` in `text` ("... [1.5, -2, 3e-05] ..." -> {1.5, -2, 3e-05}).
std::vector<double> numbers_after(const std::string& text, const std::string& prefix, char end) {
    std::vector<double> out;
    const std::size_t at = text.find(prefix);
    if (at == std::string::npos) return out;
    std::size_t i = at + prefix.size();
    const std::size_t stop = text.find(end, i);
    while (i < stop) {
        std::size_t used = 0;
        out.push_back(std::stod(text.substr(i, stop - i), &used));
        i += used;
        while (i < stop && (text[i] == ',' || text[i] == ' ')) ++i;
    }
    return out;
}

// --verify-video without a preset: the converted folder runs on the clip and prints its leading
// logits (and the loss with --verify-mask), which must be HF's for that clip.
TEST(RunOptions, ConvertVerifyVideoPrintsTheConvertedModelsOutputs) {
    for (const char* name : {"videomae_tiny_finetuned", "videomae_tiny_pretrain_normpix"}) {
        SCOPED_TRACE(name);
        const fs::path c = case_dir(name);
        const TensorMap hf = read_safetensors((c / "expected" / "outputs.safetensors").string());
        test::TempDir tmp;
        std::vector<std::string> args{"convert", "--from", "videomae-pth", "--checkpoint", (c / "checkpoint.pth").string(),
                                      "--config", (c / "config.json").string(), "--preprocessor-config",
                                      (c / "preprocessor_config.json").string(), "--out", (tmp / "m").string(),
                                      "--verify-video", (c / "video.npy").string()};
        if (hf.count("bool_masked_pos")) {
            args.push_back("--verify-mask");
            args.push_back((c / "expected" / "outputs.safetensors").string());
        }
        const auto r = test::run_cli(args);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find("no reference values"), std::string::npos) << r.out;
        const std::vector<double> got = numbers_after(r.out, "first 3 logits [", ']');
        const Tensor want = hf.at("logits").to_float32().contiguous_copy();
        ASSERT_EQ(got.size(), 3u) << r.out;
        for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], want.data<float>()[i], 1e-4) << r.out;
        if (hf.count("loss")) {
            const std::vector<double> loss = numbers_after(r.out, "; loss ", '\n');
            ASSERT_EQ(loss.size(), 1u) << r.out;
            EXPECT_NEAR(loss[0], hf.at("loss").to_float32().data<float>()[0], 1e-4) << r.out;
        }
    }
    const fs::path c = case_dir("videomae_tiny_finetuned");
    test::TempDir tmp;
    // A clip the model cannot take: one line naming the clip, exit 2.
    const auto bad = test::run_cli({"convert", "--from", "videomae-pth", "--checkpoint", (c / "checkpoint.pth").string(),
                                    "--config", (c / "config.json").string(), "--out", (tmp / "m2").string(),
                                    "--verify-video", (test::data_dir() / "video/broken/empty.mp4").string()});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("empty.mp4"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace vivid
