// `vivid info` on every conformance model: the facts it prints against the folder's own files
// (config.json, the weights' tensor sizes) and a hand count of the work.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

using test::run_cli;

const char* const kModels[] = {"vivit_tiny", "vivit_tiny_batch2", "videomae_tiny_finetuned", "videomae_tiny_nomeanpool",
                               "videomae_tiny_pretrain_normpix", "videomae_tiny_pretrain_raw"};

TEST(InfoCommand, DescribesEveryConformanceModelFromItsFiles) {
    for (const char* name : kModels) {
        const auto dir = test::conformance_dir() / name / "expected";
        const auto r = run_cli({"info", "--model", dir.string(), "--json"});
        ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
        const auto j = nlohmann::json::parse(r.out);
        std::ifstream config_file(dir / "config.json");
        const auto config = nlohmann::json::parse(config_file);
        EXPECT_EQ(j["architecture"], config["architectures"][0]) << name;
        int64_t params = 0;
        for (const auto& [key, tensor] : read_safetensors((dir / "model.safetensors").string())) params += tensor.numel();
        EXPECT_EQ(j["parameters"], params) << name;
        EXPECT_EQ(j["input"]["frames"], config["num_frames"]) << name;
        EXPECT_EQ(j["input"]["height"], config["image_size"]) << name;
        const bool pretraining = config["architectures"][0] == "VideoMAEForPreTraining";
        if (!pretraining) {
            EXPECT_EQ(j["labels"], config["id2label"].size()) << name;
            EXPECT_EQ(j["first_labels"][0], config["id2label"]["0"]) << name;
        }
        EXPECT_FALSE(j["preprocessing"].is_null()) << name;
        EXPECT_GT(j["gflop_per_clip"].get<double>(), 0.0) << name;
    }
}

TEST(InfoCommand, WorkPerClipOfTheTinyViViT) {
    const auto r = run_cli({"info", "--model", (test::conformance_dir() / "vivit_tiny" / "expected").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // 65 tokens (64 patches + CLS), hidden 32, MLP 64, 2 blocks; embedding 64 x 384 x 32; 5 labels.
    const double block = 2.0 * 65 * (4 * 32 * 32 + 2 * 32 * 64) + 4.0 * 65 * 65 * 32;
    EXPECT_NEAR(nlohmann::json::parse(r.out)["gflop_per_clip"].get<double>(),
                (2 * block + 2.0 * 64 * 384 * 32 + 2.0 * 32 * 5) / 1e9, 1e-12);
}

TEST(InfoCommand, NotAModelFolderIsOneLineAndExitTwo) {
    test::TempDir tmp;
    const auto r = run_cli({"info", "--model", (tmp / "missing").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vivid
