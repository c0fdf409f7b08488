// `vivid run` on bad input: one line on stderr naming the file, exit 2, no output file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

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

// VideoMAE's pre-training loss written out here from transformers' modeling_videomae.py, not
// from vivid's code: pixel_values back to [0,1] with ImageNet's mean and std, cut into
// tubelet x patch x patch cubes (pixels in (t, y, x) order, channel fastest), each cube and
// channel normalised by its mean and unbiased std when norm_pix_loss, then the mean squared
// error between the reconstruction and the masked cubes.
double expected_pretraining_loss(const Tensor& pv, const Tensor& mask, const Tensor& logits, int64_t ts, int64_t p,
                                 bool norm_pix) {
    const double mean[3] = {0.485, 0.456, 0.406}, stdev[3] = {0.229, 0.224, 0.225};
    const int64_t B = pv.size(0), T = pv.size(1), H = pv.size(3), W = pv.size(4), nh = H / p, nw = W / p;
    const int64_t n = (T / ts) * nh * nw, cube = ts * p * p;
    const float* x = pv.data<float>();
    const float* y = logits.data<float>();
    double sum = 0;
    int64_t count = 0, row = 0;
    for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < n; ++k) {
            if (!mask.data<uint8_t>()[b * n + k]) continue;
            const int64_t t0 = k / (nh * nw) * ts, y0 = (k / nw) % nh * p, x0 = k % nw * p;
            for (int64_t c = 0; c < 3; ++c) {
                std::vector<double> v;
                for (int64_t dt = 0; dt < ts; ++dt)
                    for (int64_t dy = 0; dy < p; ++dy)
                        for (int64_t dx = 0; dx < p; ++dx)
                            v.push_back(x[(((b * T + t0 + dt) * 3 + c) * H + y0 + dy) * W + x0 + dx] * stdev[c] + mean[c]);
                double m = 0, var = 0;
                for (double a : v) m += a / cube;
                for (double a : v) var += (a - m) * (a - m) / (cube - 1);
                for (int64_t i = 0; i < cube; ++i) {
                    const double label = norm_pix ? (v[i] - m) / (std::sqrt(var) + 1e-6) : v[i];
                    const double d = y[(row * cube + i) * 3 + c] - label;
                    sum += d * d;
                    ++count;
                }
            }
            ++row;
        }
    return sum / count;
}

TEST(RunCommand, GeneratedRandomMaskLossWithNormalisedPixels) {
    test::TempDir out;
    const auto dir = test::conformance_dir() / "videomae_tiny_pretrain_normpix";
    const auto pv = (dir / "expected" / "outputs.safetensors").string();
    const auto r = test::run_cli({"run", "--model", (dir / "expected").string(), "--pixel-values", pv, "--mask-ratio",
                                  "0.6", "--masking", "random", "--seed", "3", "--save-outputs",
                                  (out / "a.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const TensorMap a = read_safetensors((out / "a.safetensors").string());
    const Tensor& mask = a.at("bool_masked_pos");
    EXPECT_NEAR(a.at("loss").data<float>()[0],
                expected_pretraining_loss(a.at("pixel_values"), mask, a.at("logits"), 2, 8, true), 1e-5);
}

TEST(RunCommand, GeneratedTubeMask) {
    // No mask file: --mask-ratio makes a tube mask, saved with the outputs. The mask has the
    // tube shape and count; the loss on it is the one computed here from the saved
    // reconstruction; a second run given that mask file reproduces it.
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
    EXPECT_NEAR(a.at("loss").data<float>()[0],
                expected_pretraining_loss(a.at("pixel_values"), mask, a.at("logits"), 2, 8, false), 1e-5);
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
