// vivid classify and vivid verify, checked against HF's logits for the same clip.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

using test::run_cli;

const std::filesystem::path kCase = test::conformance_dir() / "videomae_tiny_finetuned";

TEST(ClassifyCommand, ScoresAreTheSoftmaxOfHuggingFaceLogits) {
    const TensorMap expected = read_safetensors((kCase / "expected" / "outputs.safetensors").string());
    const float* logits = expected.at("logits").data<float>();
    double sum = 0;
    for (int i = 0; i < 5; ++i) sum += std::exp(logits[i]);
    const auto r = run_cli({"classify", "--model", (kCase / "expected").string(), (kCase / "video.npy").string(),
                            "--json", "--top-k", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto predictions = nlohmann::json::parse(r.out);
    ASSERT_EQ(predictions.size(), 5u);
    const auto id2label = nlohmann::json::parse(test::read_bytes(kCase / "expected" / "config.json"))["id2label"];
    double previous = 1.0;
    for (const auto& p : predictions) {
        const double score = p["score"].get<double>();
        EXPECT_LE(score, previous);
        previous = score;
        int index = -1;
        for (auto it = id2label.begin(); it != id2label.end(); ++it)
            if (it.value() == p["label"]) index = std::stoi(it.key());
        ASSERT_GE(index, 0);
        EXPECT_NEAR(score, std::exp(logits[index]) / sum, 1e-4) << p["label"];
    }
}

TEST(ClassifyCommand, TextOutputAndTopK) {
    const auto r = run_cli({"classify", "--model", (kCase / "expected").string(), (kCase / "video.npy").string(),
                            "--top-k", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
}

TEST(ClassifyCommand, PreTrainingModelIsRefused) {
    const auto dir = test::conformance_dir() / "videomae_tiny_pretrain_raw";
    const auto r = run_cli({"classify", "--model", (dir / "expected").string(), (dir / "video.npy").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no labels"), std::string::npos) << r.err;
}

TEST(ClassifyCommand, NotAVideo) {
    test::TempDir tmp;
    test::write_bytes(tmp / "notes.mp4", "this is not a video");
    const auto r = run_cli({"classify", "--model", (kCase / "expected").string(), (tmp / "notes.mp4").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find((tmp / "notes.mp4").string()), std::string::npos) << r.err;
}

std::string leading_expected_logits(int count) {
    const TensorMap expected = read_safetensors((kCase / "expected" / "outputs.safetensors").string());
    std::string values;
    for (int i = 0; i < count; ++i) {
        if (i) values += ',';  // appended piece by piece: GCC 12 warns falsely on "literal" + std::string
        values += std::to_string(expected.at("logits").data<float>()[i]);
    }
    return values;
}

TEST(VerifyCommand, PassesOnHuggingFaceLogitsAndFailsOtherwise) {
    auto r = run_cli({"verify", "--model", (kCase / "expected").string(), "--video", (kCase / "video.npy").string(),
                      "--expect-logits", leading_expected_logits(5)});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.rfind("PASS", 0), 0u) << r.out;
    r = run_cli({"verify", "--model", (kCase / "expected").string(), "--video", (kCase / "video.npy").string(),
                 "--expect-logits", "0.5,0.5,0.5"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out.rfind("FAIL", 0), 0u) << r.out;
}

TEST(VerifyCommand, LossOfAPreTrainingModel) {
    const auto dir = test::conformance_dir() / "videomae_tiny_pretrain_normpix";
    const auto outputs = dir / "expected" / "outputs.safetensors";
    const TensorMap expected = read_safetensors(outputs.string());
    const auto r = run_cli({"verify", "--model", (dir / "expected").string(), "--pixel-values", outputs.string(),
                            "--mask", outputs.string(), "--expect-logits",
                            std::to_string(expected.at("logits").data<float>()[0]), "--expect-loss",
                            std::to_string(expected.at("loss").data<float>()[0])});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace vivid
