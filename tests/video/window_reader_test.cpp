// Sliding windows: which frames each window takes, their times from the stream's timestamps
// (checked against ffprobe's), pixel_values equal to HF's for the same frames (a PyAV + HF
// golden case), and memory that does not grow with the video: frames are let go of as soon as
// no window needs them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "formats/npy.h"
#include "formats/safetensors.h"
#include "test_support.h"
#include "video/ffmpeg_decoder.h"
#include "video/preprocess.h"
#include "video/window_reader.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

using test::data_dir;

// A (T, 20, 24, 3) uint8 video whose frame k is filled with k % 251: every frame is told apart.
Tensor numbered_frames(int64_t frames) {
    Tensor t = Tensor::uninitialized(DType::U8, {frames, 20, 24, 3});
    for (int64_t k = 0; k < frames; ++k)
        std::fill_n(t.data_mut<uint8_t>() + k * 20 * 24 * 3, 20 * 24 * 3, static_cast<uint8_t>(k % 251));
    return t;
}

PreprocessorConfig plain_processor() {
    // Rescale only (no resize, crop or normalize): a pixel value gives its frame back.
    PreprocessorConfig c = default_preprocessor_config("VideoMAEImageProcessor");
    c.do_resize = false;
    c.do_center_crop = false;
    c.do_normalize = false;
    c.do_rescale = true;
    c.rescale_factor = 1.0;
    return c;
}

TEST(WindowReader, VariableFrameRateVideoGivesHfPixelValuesAndStreamTimes) {
    const auto dir = data_dir() / "video/cases/vfr_mkv";
    WindowPlan plan;
    plan.num_frames = 4;
    plan.frame_sampling_rate = 3;  // the case's own sampling: its golden is window 0
    plan.stride = 2;
    WindowReader reader((dir / "video.mkv").string(), plan, load_preprocessor_config((dir / "preprocessor_config.json").string()));
    const auto w = reader.next();
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->start_frame, 0);
    EXPECT_EQ(w->end_frame, 11);
    // ffprobe -show_entries frame=best_effort_timestamp_time: 0, .04, .08, .12, .16, .6, .72, ... 1.32
    EXPECT_NEAR(w->start, 0.0, 1e-9);
    EXPECT_NEAR(w->end, 1.32, 1e-9);
    const Tensor want = read_safetensors((dir / "expected/outputs.safetensors").string()).at("pixel_values");
    ASSERT_EQ(want.numel(), w->pixel_values.numel());
    double worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i)
        worst = std::max(worst, std::fabs(double(want.data<float>()[i]) - w->pixel_values.data<float>()[i]));
    EXPECT_LT(worst, 1e-6);
    EXPECT_FALSE(reader.next().has_value()) << "12 frames hold one window of span 12 only";
}

// A stride in seconds steps by the stream's timestamps, not by its average frame rate: window
// starts are, for k = 0, 1, 2, ..., the first frame whose presentation time is at least the first
// frame's + k * X. The clip's frames (ffprobe best_effort_timestamp_time): 0 .04 .08 .12 .16
// .6 .72 .84 .96 1.08 1.2 1.32; its header says 25 fps, which would put a start every 5 frames.
TEST(WindowReader, StrideSecondsStepsByTheTimestampsOfAVariableFrameRateVideo) {
    const auto dir = data_dir() / "video/cases/vfr_mkv";
    const std::string path = (dir / "video.mkv").string();
    // The decoder's own timestamps, and the starts the rule gives from them (frames in order;
    // a frame that several k pick, inside a gap longer than X, starts one window).
    std::vector<double> times;
    for (video::FfmpegDecoder d(path); d.next_frame();) times.push_back(d.current_seconds());
    ASSERT_EQ(times.size(), 12u);
    const double x = 0.2;
    const int64_t span = 2;
    std::vector<int64_t> want;
    for (int64_t k = 0;; ++k) {
        const auto at = std::find_if(times.begin(), times.end(), [&](double t) { return t >= times[0] + k * x - 1e-6; });
        const int64_t frame = at - times.begin();
        if (frame + span > static_cast<int64_t>(times.size())) break;
        if (want.empty() || want.back() != frame) want.push_back(frame);
    }
    EXPECT_EQ(want, (std::vector<int64_t>{0, 5, 7, 9, 10})) << "0, .2 .4 .6 -> .6, .8 -> .84, 1.0 -> 1.08, 1.2";
    WindowPlan plan;
    plan.num_frames = 2;
    plan.stride_seconds = x;
    WindowReader reader(path, plan, load_preprocessor_config((dir / "preprocessor_config.json").string()));
    std::vector<int64_t> starts;
    while (const auto w = reader.next()) {
        starts.push_back(w->start_frame);
        EXPECT_EQ(w->end_frame, w->start_frame + 1);
        EXPECT_DOUBLE_EQ(w->start, times.at(w->start_frame));
        EXPECT_DOUBLE_EQ(w->end, times.at(w->end_frame));
    }
    EXPECT_EQ(starts, want);
}

TEST(WindowReader, WindowsStartEveryStrideAndTakeThePipelineIndices) {
    test::TempDir tmp;
    const std::string path = (tmp / "clip.npy").string();
    write_npy(path, numbered_frames(50));
    WindowPlan plan;
    plan.num_frames = 4;
    plan.frame_sampling_rate = 2;  // offsets floor(linspace(0, 7, 4)) = 0, 2, 4, 7: span 8
    plan.stride = 5;
    plan.fps = 10;
    WindowReader reader(path, plan, plain_processor());
    int64_t count = 0;
    while (const auto w = reader.next()) {
        const int64_t s = 5 * count;
        EXPECT_EQ(w->start_frame, s);
        EXPECT_EQ(w->end_frame, s + 7);
        EXPECT_DOUBLE_EQ(w->start, s / 10.0);
        EXPECT_DOUBLE_EQ(w->end, (s + 7) / 10.0);
        const int64_t frame_floats = w->pixel_values.numel() / 4;
        const int64_t offsets[] = {0, 2, 4, 7};
        for (int k = 0; k < 4; ++k) EXPECT_EQ(w->pixel_values.data<float>()[k * frame_floats], float(s + offsets[k])) << s;
        ++count;
    }
    EXPECT_EQ(count, 9) << "starts 0, 5, ..., 40: the last whole window ends at frame 47 of 50";
}

TEST(WindowReader, MemoryDoesNotGrowWithTheVideo) {
    test::TempDir tmp;
    const std::string path = (tmp / "long.npy").string();
    write_npy(path, numbered_frames(3000));
    for (int64_t stride : {1, 7, 16, 40}) {
        WindowPlan plan;
        plan.num_frames = 8;
        plan.frame_sampling_rate = 2;  // span 15
        plan.stride = stride;
        plan.fps = 25;
        WindowReader reader(path, plan, plain_processor());
        int64_t most = 0, windows = 0;
        while (reader.next()) {
            most = std::max(most, reader.frames_held());
            ++windows;
        }
        EXPECT_GT(windows, 0);
        EXPECT_LE(most, 15) << "stride " << stride << ": frames held at once, at most one span";
    }
}

TEST(WindowReader, TooShortForOneWindowIsAnErrorNamingTheVideo) {
    test::TempDir tmp;
    const std::string path = (tmp / "short.npy").string();
    write_npy(path, numbered_frames(10));
    WindowPlan plan;
    plan.num_frames = 8;
    plan.frame_sampling_rate = 2;
    plan.fps = 25;
    WindowReader reader(path, plan, plain_processor());
    try {
        reader.next();
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("short.npy: has 10 frames"), std::string::npos) << e.what();
    }
}

TEST(WindowReader, NpyNeedsItsFrameRate) {
    test::TempDir tmp;
    const std::string path = (tmp / "clip.npy").string();
    write_npy(path, numbered_frames(10));
    EXPECT_THROW(WindowReader(path, WindowPlan{}, plain_processor()), Error);
}

}  // namespace
}  // namespace vivid
