// Frame sampling: expected indices are numpy's own output (np.linspace(..., dtype=np.int64),
// numpy 1.24), pasted here, and the documented uniform / multi-clip rules.
#include <gtest/gtest.h>

#include <cstring>

#include "test_support.h"
#include "vivid/vivid.h"
#include "video/video_reader.h"

namespace vivid {
namespace {

using Indices = std::vector<int64_t>;

SamplingOptions pipeline(int64_t n, int64_t rate, int64_t clips = 1) {
    SamplingOptions o;
    o.num_frames = n;
    o.frame_sampling_rate = rate;
    o.clips = clips;
    return o;
}

SamplingOptions uniform(int64_t n, int64_t clips = 1) {
    SamplingOptions o = pipeline(n, 1, clips);
    o.mode = SamplingOptions::Mode::Uniform;
    return o;
}

TEST(FrameSampling, PipelineRuleMatchesNumpyLinspace) {
    // np.linspace(0, n*r - 1, num=n, dtype=np.int64)
    EXPECT_EQ(sample_indices(pipeline(16, 1), 0, 0), (Indices{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
    EXPECT_EQ(sample_indices(pipeline(8, 2), 0, 0), (Indices{0, 2, 4, 6, 8, 10, 12, 15}));
    EXPECT_EQ(sample_indices(pipeline(16, 4), 0, 0),
              (Indices{0, 4, 8, 12, 16, 21, 25, 29, 33, 37, 42, 46, 50, 54, 58, 63}));
    EXPECT_EQ(sample_indices(pipeline(5, 3), 0, 0), (Indices{0, 3, 7, 10, 14}));
    EXPECT_EQ(sample_indices(pipeline(7, 5), 0, 0), (Indices{0, 5, 11, 17, 22, 28, 34}));
    EXPECT_EQ(sample_indices(pipeline(1, 1), 0, 0), (Indices{0}));
    EXPECT_EQ(sample_indices(pipeline(1, 4), 0, 0), (Indices{0}));
    EXPECT_EQ(sample_indices(pipeline(3, 10), 0, 0), (Indices{0, 14, 29}));
    const Indices i32 = sample_indices(pipeline(32, 2), 0, 0);
    ASSERT_EQ(i32.size(), 32u);
    EXPECT_EQ(i32[30], 60);
    EXPECT_EQ(i32[31], 63);
}

TEST(FrameSampling, PipelineIgnoresVideoLengthForOneClip) {
    // The reader drops indices past the end; the rule itself does not look at the length.
    EXPECT_EQ(sample_indices(pipeline(8, 2), 5, 0), sample_indices(pipeline(8, 2), 1000, 0));
}

TEST(FrameSampling, UniformSpreadsOverTheWholeVideo) {
    // np.linspace(0, total-1, num=n, dtype=np.int64)
    EXPECT_EQ(sample_indices(uniform(4), 10, 0), (Indices{0, 3, 6, 9}));
    EXPECT_EQ(sample_indices(uniform(5), 2, 0), (Indices{0, 0, 0, 0, 1}));  // repeats when short
    EXPECT_EQ(sample_indices(uniform(3), 1, 0), (Indices{0, 0, 0}));
    EXPECT_EQ(sample_indices(uniform(16), 300, 0),
              (Indices{0, 19, 39, 59, 79, 99, 119, 139, 159, 179, 199, 219, 239, 259, 279, 299}));
    EXPECT_THROW(sample_indices(uniform(4), 0, 0), Error);
}

TEST(FrameSampling, MultiClipWindowsAreEvenlySpaced) {
    // Pipeline windows of 4*2 = 8 frames over 20 frames, 3 clips: starts 0, 6, 12.
    EXPECT_EQ(sample_indices(pipeline(4, 2, 3), 20, 0), (Indices{0, 2, 4, 7}));
    EXPECT_EQ(sample_indices(pipeline(4, 2, 3), 20, 1), (Indices{6, 8, 10, 13}));
    EXPECT_EQ(sample_indices(pipeline(4, 2, 3), 20, 2), (Indices{12, 14, 16, 19}));
    // Video shorter than one window: every clip starts at 0.
    EXPECT_EQ(sample_indices(pipeline(4, 2, 2), 5, 1), (Indices{0, 2, 4, 7}));
    // Uniform clips: segments [0,10) and [10,20), linspace inside each.
    EXPECT_EQ(sample_indices(uniform(4, 2), 20, 0), (Indices{0, 3, 6, 9}));
    EXPECT_EQ(sample_indices(uniform(4, 2), 20, 1), (Indices{10, 13, 16, 19}));
    // More clips than frames: each segment keeps at least one frame.
    EXPECT_EQ(sample_indices(uniform(2, 4), 2, 1), (Indices{0, 0}));
    EXPECT_EQ(sample_indices(uniform(2, 4), 2, 3), (Indices{1, 1}));
}

TEST(FrameSampling, RejectsBadOptions) {
    EXPECT_THROW(sample_indices(pipeline(0, 1), 10, 0), Error);
    EXPECT_THROW(sample_indices(pipeline(4, 0), 10, 0), Error);
    EXPECT_THROW(sample_indices(pipeline(4, 1, 0), 10, 0), Error);
    EXPECT_THROW(sample_indices(pipeline(4, 1, 2), 10, 2), Error);
    EXPECT_THROW(sample_indices(pipeline(int64_t{1} << 40, 1 << 20), 10, 0), Error);
}

TEST(FrameSampling, ReadClipsOverNpyRowsAndVideos) {
    const std::string npy = (test::data_dir() / "video/cases/npy_clip/video.npy").string();  // 9 frames
    auto clips = read_clips(npy, uniform(4, 2));
    ASSERT_EQ(clips.size(), 2u);
    // segments [0,4) and [4,9): linspace(0,3,4) and linspace(4,8,4) -> 4,5,6,8
    EXPECT_EQ(Indices(clips[1].indices.span<int64_t>().begin(), clips[1].indices.span<int64_t>().end()),
              (Indices{4, 5, 6, 8}));
    EXPECT_EQ(clips[1].frames.shape(), (Shape{4, 30, 42, 3}));

    const std::string mp4 = (test::data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4").string();  // 20
    clips = read_clips(mp4, pipeline(4, 2, 3));
    ASSERT_EQ(clips.size(), 3u);
    EXPECT_EQ(clips[2].indices.span<int64_t>()[0], 12);
    EXPECT_EQ(clips[2].frames.shape(), (Shape{4, 48, 64, 3}));
    // Uniform over the whole 20-frame video: linspace(0, 19, 4) -> 0, 6, 12, 19.
    const auto spread = read_clips(mp4, uniform(4)).at(0);
    EXPECT_EQ(Indices(spread.indices.span<int64_t>().begin(), spread.indices.span<int64_t>().end()),
              (Indices{0, 6, 12, 19}));
    // The same frame decoded for two clips is the same bytes as when decoded alone.
    const Tensor all = decode_all_frames(mp4);
    const std::size_t frame_bytes = 48 * 64 * 3;
    EXPECT_EQ(std::memcmp(clips[2].frames.data<uint8_t>() + 3 * frame_bytes, all.data<uint8_t>() + 19 * frame_bytes,
                          frame_bytes),
              0);
}

}  // namespace
}  // namespace vivid
