// squash_frames_like_torch against torch itself: the first window of the V2 fixture's video
// (30x34 frames) through x/255 and F.interpolate(bilinear, align_corners=False) to 28x28, as
// make_videomae_v2_fixtures.py computed it with torch; and against a hand-computed pixel.
#include <gtest/gtest.h>

#include <cmath>

#include "formats/npy.h"
#include "formats/safetensors.h"
#include "test_support.h"
#include "video/torch_bilinear.h"

namespace vivid {
namespace {

TEST(TorchBilinear, MatchesTorchInterpolateOnTheV2Fixture) {
    const auto dir = test::data_dir() / "videomae_v2" / "giant_like_module_fp16";
    const Tensor video = read_npy((dir / "video.npy").string());
    const Tensor first = video.rows(0, 8).contiguous_copy();
    const Tensor got = squash_frames_like_torch(first, 28, 28);
    const Tensor want = read_safetensors((dir / "expected" / "outputs.safetensors").string()).at("tad_first_window");
    ASSERT_EQ(got.shape(), want.shape());
    double worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i)
        worst = std::max(worst, std::fabs(double(got.data<float>()[i]) - want.data<float>()[i]));
    EXPECT_LE(worst, 1e-6);
}

// 1 row of 4 pixels -> 2 columns: scale 2, source x = 2 * (0.5) - 0.5 = 0.5 and 2.5; no
// antialias, so each output mixes only its two neighbours.
TEST(TorchBilinear, DownscalingReadsOnlyTheTwoNearestPixels) {
    Tensor frame = Tensor::zeros(DType::U8, {1, 1, 4, 3});
    const uint8_t values[4] = {0, 100, 200, 255};
    for (int x = 0; x < 4; ++x)
        for (int c = 0; c < 3; ++c) frame.data_mut<uint8_t>()[x * 3 + c] = values[x];
    const Tensor out = squash_frames_like_torch(frame, 1, 2);
    EXPECT_NEAR(out.data<float>()[0], (0.5 * 0 + 0.5 * 100) / 255.0, 1e-7);
    EXPECT_NEAR(out.data<float>()[1], (0.5 * 200 + 0.5 * 255) / 255.0, 1e-7);
}

}  // namespace
}  // namespace vivid
