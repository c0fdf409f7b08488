// `vivid fit` as a user runs it: the summary table, the picture, reusing a `vivid features`
// folder, and one clear line (nothing written) for each bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "formats/npy.h"
#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid::test {
namespace {
namespace fs = std::filesystem;

const std::string kModel = (conformance_dir() / "videomae_tiny_finetuned" / "expected").string();

void write_clip(const fs::path& path, int klass, unsigned seed) {
    Tensor t = Tensor::zeros(DType::U8, {10, 24, 28, 3});
    uint8_t* p = t.data_mut<uint8_t>();
    for (int64_t i = 0; i < t.numel(); ++i)
        p[i] = static_cast<uint8_t>(30 + 50 * klass * static_cast<int>(i % 3 == klass) + 40 * klass + (i * 7919 + seed * 31) % 50);
    fs::create_directories(path.parent_path());
    write_npy(path.string(), t);
}

void write_set(const fs::path& root, const std::vector<std::string>& classes, int per_class) {
    for (std::size_t c = 0; c < classes.size(); ++c)
        for (int i = 0; i < per_class; ++i)
            write_clip(root / classes[c] / (std::to_string(i) + ".npy"), static_cast<int>(c), static_cast<unsigned>(10 * c + i));
}

TEST(FitCommand, PrintsTheSummaryAndDrawsTheConfusion) {
    TempDir tmp;
    write_set(tmp / "train", {"left", "right"}, 3);
    write_set(tmp / "val", {"left", "right"}, 1);
    const auto r = run_cli({"fit", "--model", kModel, (tmp / "train").string(), "--val", (tmp / "val").string(), "--out",
                            (tmp / "new").string(), "--svg", (tmp / "cm.svg").string(), "--threads", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* part : {"classes:", "   0  left       3      1", "chosen by 3-fold cross-validation", "<- chosen",
                             "solver: L-BFGS", "train: accuracy", "val: accuracy", "precision  recall", "wrote "})
        EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
    const std::string svg = read_bytes(tmp / "cm.svg");
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_NE(svg.find(">0 left</text>"), std::string::npos);
    EXPECT_NE(svg.find("val: accuracy"), std::string::npos);
    const auto report = nlohmann::json::parse(read_bytes(tmp / "new" / "fit_report.json"));
    EXPECT_EQ(report["l2_chosen_by"]["folds"], 3);
    EXPECT_NE(r.out.find("l2: " + [&] {
                  std::ostringstream s;
                  s << report["l2"].get<double>();
                  return s.str();
              }()),
              std::string::npos);
}

TEST(FitCommand, ReusesAFeaturesFolder) {
    TempDir tmp;
    write_set(tmp / "train", {"a", "b", "c"}, 2);
    const std::string train = (tmp / "train").string();
    auto r = run_cli({"features", "--model", kModel, train, "--out", (tmp / "features").string(), "--fps", "25"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli({"fit", "--model", kModel, train, "--features", (tmp / "features").string(), "--l2", "0.01", "--out",
                 (tmp / "from_features").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli({"fit", "--model", kModel, train, "--l2", "0.01", "--out", (tmp / "from_videos").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const TensorMap a = read_safetensors((tmp / "from_features" / "model.safetensors").string());
    const TensorMap b = read_safetensors((tmp / "from_videos" / "model.safetensors").string());
    for (const char* name : {"classifier.weight", "classifier.bias"}) {
        const Tensor& x = a.at(name);
        const Tensor& y = b.at(name);
        ASSERT_EQ(x.shape(), y.shape());
        for (int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(x.data<float>()[i], y.data<float>()[i], 1e-6) << name << i;
    }
    // Features made by another model are refused.
    r = run_cli({"fit", "--model", (conformance_dir() / "videomae_tiny_nomeanpool" / "expected").string(), train,
                 "--features", (tmp / "features").string(), "--l2", "0.01", "--out", (tmp / "other").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("features.jsonl:1: was made with model"), std::string::npos) << r.err;
}

// Exit status 2, one line naming the problem, and no output folder.
void expect_refused(const std::vector<std::string>& args, const fs::path& out, const std::string& message) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
}

TEST(FitCommand, BadInputsAreOneLineAndWriteNothing) {
    TempDir tmp;
    const fs::path out = tmp / "new";
    write_set(tmp / "one", {"only"}, 2);
    expect_refused({"fit", "--model", kModel, (tmp / "one").string(), "--out", out.string()}, out,
                   "vivid: error: class 'only': is the only class of the training videos");
    write_set(tmp / "empty", {"a"}, 2);
    fs::create_directories(tmp / "empty" / "b");
    expect_refused({"fit", "--model", kModel, (tmp / "empty").string(), "--out", out.string()}, out,
                   (tmp / "empty" / "b").string() + ": is an empty class folder");
    write_set(tmp / "train", {"a", "b"}, 2);
    write_set(tmp / "val", {"a", "z"}, 1);
    expect_refused({"fit", "--model", kModel, (tmp / "train").string(), "--val", (tmp / "val").string(), "--out",
                    out.string()},
                   out, "has the label 'z', which no training video has (the classes: a, b)");
    const std::string pretraining = (conformance_dir() / "videomae_tiny_pretrain_raw" / "expected").string();
    expect_refused({"fit", "--model", pretraining, (tmp / "train").string(), "--out", out.string()}, out,
                   "is a pre-training model (VideoMAEForPreTraining): it has no classifier to replace; fit a "
                   "fine-tuned model's folder");
    expect_refused({"fit", "--model", kModel, "--out", out.string()}, out, "no training videos given");
}

}  // namespace
}  // namespace vivid::test
