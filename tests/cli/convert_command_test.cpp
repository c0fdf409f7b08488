// vivid convert on bad input: clear one-line errors, nothing written.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace vivid {
namespace {

using test::run_cli;

const std::filesystem::path kMae = test::conformance_dir() / "videomae_tiny_finetuned";
const std::filesystem::path kVivit = test::conformance_dir() / "vivit_tiny";

// The case's config with one key changed, written to `dir`.
std::string edited_config(const std::filesystem::path& case_dir, const test::TempDir& dir, const std::string& key,
                          const nlohmann::json& value) {
    auto config = nlohmann::json::parse(test::read_bytes(case_dir / "config.json"));
    config[key] = value;
    test::write_bytes(dir / "config.json", config.dump());
    return (dir / "config.json").string();
}

test::CommandResult convert(const std::filesystem::path& case_dir, const std::string& from, const std::string& config,
                            const std::filesystem::path& out) {
    const std::string checkpoint = from == "vivit-flax" ? "checkpoint" : "checkpoint.pth";
    return run_cli({"convert", "--from", from, "--checkpoint", (case_dir / checkpoint).string(), "--config", config,
                    "--out", out.string()});
}

void expect_error(const test::CommandResult& r, const std::string& text, const std::filesystem::path& out) {
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
    for (const auto& e : std::filesystem::directory_iterator(out.parent_path()))
        if (e.path().filename() != "config.json") ADD_FAILURE() << "left behind: " << e.path();
}

TEST(ConvertCommand, ParamMissingFromTheCheckpointIsNamed) {
    test::TempDir tmp;
    const auto r = convert(kMae, "videomae-pth", edited_config(kMae, tmp, "num_hidden_layers", 3), tmp / "out");
    expect_error(r, "missing weight 'videomae.encoder.layer.2.", tmp / "out");
}

TEST(ConvertCommand, LeftOverParamsAreRefused) {
    test::TempDir tmp;
    const auto r = convert(kVivit, "vivit-flax", edited_config(kVivit, tmp, "num_hidden_layers", 1), tmp / "out");
    expect_error(r, "'vivit.encoder.layer.1.", tmp / "out");
}

TEST(ConvertCommand, ShapesThatDisagreeWithTheConfig) {
    test::TempDir tmp;
    const auto r = convert(kVivit, "vivit-flax", edited_config(kVivit, tmp, "intermediate_size", 48), tmp / "out");
    expect_error(r, "intermediate.dense.weight' has shape [64, 32] but the config needs [48, 32]", tmp / "out");
}

TEST(ConvertCommand, WrongFormatForTheFile) {
    test::TempDir tmp;
    const auto r = run_cli({"convert", "--from", "vivit-flax", "--checkpoint", (kMae / "checkpoint.pth").string(),
                            "--config", (kVivit / "config.json").string(), "--out", (tmp / "out").string()});
    expect_error(r, (kMae / "checkpoint.pth").string(), tmp / "out");
}

TEST(ConvertCommand, ConfigOfTheOtherModelType) {
    test::TempDir tmp;
    const auto r = run_cli({"convert", "--from", "videomae-pth", "--checkpoint", (kMae / "checkpoint.pth").string(),
                            "--config", (kVivit / "config.json").string(), "--out", (tmp / "out").string()});
    expect_error(r, "does not match the checkpoint format videomae-pth", tmp / "out");
}

TEST(ConvertCommand, RefusesANonEmptyFolderWithoutForce) {
    test::TempDir tmp;
    std::filesystem::create_directory(tmp / "out");
    test::write_bytes(tmp / "out" / "keep.txt", "mine");
    auto r = convert(kMae, "videomae-pth", (kMae / "config.json").string(), tmp / "out");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_bytes(tmp / "out" / "keep.txt"), "mine");
    r = run_cli({"convert", "--from", "videomae-pth", "--checkpoint", (kMae / "checkpoint.pth").string(), "--config",
                 (kMae / "config.json").string(), "--out", (tmp / "out").string(), "--force"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(std::filesystem::exists(tmp / "out" / "model.safetensors"));
    EXPECT_FALSE(std::filesystem::exists(tmp / "out" / "keep.txt"));
}

TEST(ConvertCommand, NeedsAnArchitecture) {
    test::TempDir tmp;
    const auto r = run_cli({"convert", "--from", "videomae-pth", "--checkpoint", (kMae / "checkpoint.pth").string(),
                            "--out", (tmp / "out").string()});
    expect_error(r, "--model-name PRESET or --config", tmp / "out");
}

TEST(ConvertCommand, UnknownPreset) {
    test::TempDir tmp;
    const auto r = run_cli({"convert", "--from", "videomae-pth", "--checkpoint", (kMae / "checkpoint.pth").string(),
                            "--model-name", "videomae-gigantic", "--out", (tmp / "out").string()});
    expect_error(r, "videomae-gigantic", tmp / "out");
}

}  // namespace
}  // namespace vivid
