// `vivid run` on bad input: one line on stderr naming the file, exit 2, no output file.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.h"
#include "formats/safetensors.h"

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

namespace vivid {
namespace {

TEST(RunCommand, GeneratedTubeMask) {
    // No mask file: --mask-ratio makes a tube mask, saved with the outputs; running again with
    // that mask file must give the same loss.
    test::TempDir out;
    const auto dir = test::conformance_dir() / "videomae_tiny_pretrain_raw";
    const auto pv = (dir / "expected" / "outputs.safetensors").string();
    auto r = test::run_cli({"run", "--model", (dir / "expected").string(), "--pixel-values", pv, "--mask-ratio", "0.75",
                            "--seed", "7", "--save-outputs", (out / "a.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    TensorMap a = read_safetensors((out / "a.safetensors").string());
    const Tensor& mask = a.at("bool_masked_pos");
    ASSERT_EQ(mask.shape(), (Shape{2, 64}));  // 4 time slices x 16 patches
    for (int64_t b = 0; b < 2; ++b)
        for (int64_t t = 0; t < 4; ++t)
            for (int64_t s = 0; s < 16; ++s)  // the same spatial pattern in every slice
                EXPECT_EQ(mask.data<uint8_t>()[b * 64 + t * 16 + s], mask.data<uint8_t>()[b * 64 + s]);
    int masked = 0;
    for (int64_t s = 0; s < 16; ++s) masked += mask.data<uint8_t>()[s];
    EXPECT_EQ(masked, 12);  // int(0.75 * 16)
    EXPECT_EQ(a.at("logits").shape(), (Shape{2, 48, 384}));
    r = test::run_cli({"run", "--model", (dir / "expected").string(), "--pixel-values", pv, "--mask",
                       (out / "a.safetensors").string(), "--save-outputs", (out / "b.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_safetensors((out / "b.safetensors").string()).at("loss").data<float>()[0],
              a.at("loss").data<float>()[0]);
    r = test::run_cli({"run", "--model", (test::conformance_dir() / "vivit_tiny" / "expected").string(),
                       "--pixel-values", (test::conformance_dir() / "vivit_tiny" / "expected" / "outputs.safetensors").string(),
                       "--mask-ratio", "0.5", "--save-outputs", (out / "c.safetensors").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("takes none"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vivid
