// `vivid reconstruct` and `vivid run --masking random` as a user runs them.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/tensor.h"
#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid {
namespace {

using test::run_cli;
const auto kCase = test::conformance_dir() / "videomae_tiny_pretrain_normpix";

TEST(ReconstructCommand, PrintsTheLossAndWritesAPicture) {
    test::TempDir tmp;
    const std::string outputs = (kCase / "expected" / "outputs.safetensors").string();
    const auto png = tmp / "r.png";
    const auto r = run_cli({"reconstruct", "--model", (kCase / "expected").string(), "--pixel-values", outputs, "--mask",
                            outputs, "--out", png.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const float loss = read_safetensors(outputs).at("loss").data<float>()[0];
    EXPECT_NEAR(std::stof(r.out.substr(r.out.find("loss ") + 5)), loss, 1e-4) << r.out;  // HF's loss
    EXPECT_EQ(test::read_bytes(png).substr(1, 3), "PNG");
    // From the video with a generated mask, too; a classifier is refused without a file.
    const auto from_video = run_cli({"reconstruct", "--model", (kCase / "expected").string(), "--video",
                                     (kCase / "video.npy").string(), "--mask-ratio", "0.5", "--masking", "random",
                                     "--out", (tmp / "v.png").string()});
    EXPECT_EQ(from_video.exit_code, 0) << from_video.err;
    const auto vivit = test::conformance_dir() / "vivit_tiny";
    const auto refused = run_cli({"reconstruct", "--model", (vivit / "expected").string(), "--video",
                                  (vivit / "video.npy").string(), "--out", (tmp / "x.png").string()});
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_FALSE(std::filesystem::exists(tmp / "x.png"));
}

TEST(RunCommand, RandomMaskingHidesRoundRatioTimesPatches) {
    test::TempDir tmp;
    const std::string outputs = (kCase / "expected" / "outputs.safetensors").string();
    const auto r = run_cli({"run", "--model", (kCase / "expected").string(), "--pixel-values", outputs, "--mask-ratio",
                            "0.3", "--masking", "random", "--seed", "5", "--save-outputs", (tmp / "o.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Tensor mask = read_safetensors((tmp / "o.safetensors").string()).at("bool_masked_pos");
    ASSERT_EQ(mask.shape(), (Shape{1, 64}));
    int hidden = 0;
    for (int i = 0; i < 64; ++i) hidden += mask.data<uint8_t>()[i];
    EXPECT_EQ(hidden, 19);  // round(0.3 * 64)
    const auto bad = run_cli({"run", "--model", (kCase / "expected").string(), "--pixel-values", outputs, "--masking",
                              "random", "--save-outputs", (tmp / "p.safetensors").string()});
    EXPECT_EQ(bad.exit_code, 2);  // --masking needs --mask-ratio
}

}  // namespace
}  // namespace vivid
