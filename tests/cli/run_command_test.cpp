// `vivid run` on bad input: one line on stderr naming the file, exit 2, no output file.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.h"
#include "vivid/safetensors.h"

namespace vivid {
namespace {

using test::run_cli;

std::filesystem::path model_dir(const char* name) { return test::conformance_dir() / name / "expected"; }

void expect_clean_failure(const test::CommandResult& r, const std::string& must_mention,
                          const std::filesystem::path& output) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(must_mention), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(output));
    for (const auto& e : std::filesystem::directory_iterator(output.parent_path()))
        ADD_FAILURE() << "left behind: " << e.path();
}

TEST(RunCommand, WritesOutputsForPixelValues) {
    test::TempDir tmp;
    const auto pv = model_dir("vivit_tiny") / "outputs.safetensors";
    auto r = run_cli({"run", "--model", model_dir("vivit_tiny").string(), "--pixel-values", pv.string(),
                      "--save-outputs", (tmp / "o.safetensors").string(), "--threads", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    TensorMap out = read_safetensors((tmp / "o.safetensors").string());
    EXPECT_EQ(out.at("logits").shape(), (Shape{1, 5}));
    EXPECT_EQ(out.at("pixel_values").shape(), (Shape{1, 8, 3, 32, 32}));
    EXPECT_EQ(out.count("loss"), 0u);
}

TEST(RunCommand, PixelValuesOfTheWrongShape) {
    test::TempDir in, out;
    TensorMap t;
    t["pixel_values"] = Tensor::zeros(DType::F32, {1, 8, 3, 32, 30});
    write_safetensors((in / "pv.safetensors").string(), t);
    auto r = run_cli({"run", "--model", model_dir("vivit_tiny").string(), "--pixel-values",
                      (in / "pv.safetensors").string(), "--save-outputs", (out / "o.safetensors").string()});
    expect_clean_failure(r, (in / "pv.safetensors").string() + ": pixel_values has shape [1, 8, 3, 32, 30]",
                         out / "o.safetensors");
}

TEST(RunCommand, MissingTensorInInputFile) {
    test::TempDir out;
    const auto model_file = model_dir("vivit_tiny") / "model.safetensors";
    auto r = run_cli({"run", "--model", model_dir("vivit_tiny").string(), "--pixel-values", model_file.string(),
                      "--save-outputs", (out / "o.safetensors").string()});
    expect_clean_failure(r, model_file.string() + ": has no tensor named 'pixel_values'", out / "o.safetensors");
}

TEST(RunCommand, MaskWithUnequalCounts) {
    test::TempDir in, out;
    TensorMap io = read_safetensors((model_dir("videomae_tiny_pretrain_raw") / "outputs.safetensors").string());
    TensorMap m;
    m["bool_masked_pos"] = io.at("bool_masked_pos").contiguous_copy();
    m["bool_masked_pos"].data_mut<uint8_t>()[0] ^= 1;
    write_safetensors((in / "mask.safetensors").string(), m);
    auto r = run_cli({"run", "--model", model_dir("videomae_tiny_pretrain_raw").string(), "--pixel-values",
                      (model_dir("videomae_tiny_pretrain_raw") / "outputs.safetensors").string(), "--mask",
                      (in / "mask.safetensors").string(), "--save-outputs", (out / "o.safetensors").string()});
    expect_clean_failure(r, (in / "mask.safetensors").string() + ": bool_masked_pos sample 1 masks", out / "o.safetensors");
}

TEST(RunCommand, UnknownModelTypeAndBrokenConfig) {
    test::TempDir model, out;
    test::write_bytes(model / "config.json", R"({"model_type":"bert"})");
    auto r = run_cli({"run", "--model", model.path().string(), "--pixel-values", "x.safetensors", "--save-outputs",
                      (out / "o.safetensors").string()});
    expect_clean_failure(r, (model / "config.json").string() + ": unknown model_type 'bert'", out / "o.safetensors");
    test::write_bytes(model / "config.json", R"({"model_type":"vivit","num_frames":"eight"})");
    r = run_cli({"run", "--model", model.path().string(), "--pixel-values", "x.safetensors", "--save-outputs",
                 (out / "o.safetensors").string()});
    expect_clean_failure(r, "'num_frames' must be an integer", out / "o.safetensors");
}

TEST(RunCommand, WrongShapedWeightNamesBothShapes) {
    test::TempDir model, out;
    std::filesystem::copy_file(model_dir("vivit_tiny") / "config.json", model / "config.json");
    TensorMap w = read_safetensors((model_dir("vivit_tiny") / "model.safetensors").string());
    w["vivit.embeddings.cls_token"] = Tensor::zeros(DType::F32, {1, 2, 32});
    write_safetensors((model / "model.safetensors").string(), w);
    auto r = run_cli({"run", "--model", model.path().string(), "--pixel-values",
                      (model_dir("vivit_tiny") / "outputs.safetensors").string(), "--save-outputs",
                      (out / "o.safetensors").string()});
    expect_clean_failure(r, "weight 'vivit.embeddings.cls_token' has shape [1, 2, 32] but the config needs [1, 1, 32]",
                         out / "o.safetensors");
}

}  // namespace
}  // namespace vivid
