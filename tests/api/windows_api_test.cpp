// Sliding windows through the public API: the progress a long video reports while
// Model::features and Model::timeline work through it.
#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <vivid/vivid.h>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using Calls = std::vector<std::pair<int64_t, int64_t>>;  // (windows done, windows expected) per call

const fs::path kModel = vivid::test::conformance_dir() / "videomae_tiny_finetuned" / "expected";  // 8 frames
const fs::path kVideo = vivid::test::data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4";  // 20 frames, 25 fps
const fs::path kNpy = vivid::test::data_dir() / "video/cases/npy_clip/video.npy";                 // 9 frames

TEST(WindowProgress, IsReportedAfterEachForwardWithTheWindowsTheVideoGives) {
    vivid::Model model = vivid::Model::load(kModel.string(), {.threads = 1});
    Calls calls;
    vivid::WindowOptions options;
    options.stride = 4;  // starts 0, 4, 8, 12: four windows of 8 in 20 frames (the mp4 header counts 20)
    options.batch = 3;
    options.on_progress = [&](int64_t done, int64_t expected) { calls.emplace_back(done, expected); };
    EXPECT_EQ(model.features(kVideo.string(), options).windows.size(), 4u);
    EXPECT_EQ(calls, (Calls{{3, 4}, {4, 4}}));

    calls.clear();
    options.batch = 1;
    EXPECT_EQ(model.timeline(kVideo.string(), options, 1).windows.size(), 4u);
    EXPECT_EQ(calls, (Calls{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));

    // By timestamps: 0.16 s at 25 fps is 4 frames, the same four windows.
    calls.clear();
    options.stride = 0;
    options.stride_seconds = 0.16;
    model.timeline(kVideo.string(), options, 1);
    EXPECT_EQ(calls, (Calls{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));
}

TEST(WindowProgress, IsExactForAnNpyArray) {
    vivid::Model model = vivid::Model::load(kModel.string(), {.threads = 1});
    Calls calls;
    vivid::WindowOptions options;
    options.fps = 10;
    options.on_progress = [&](int64_t done, int64_t expected) { calls.emplace_back(done, expected); };
    options.stride = 1;  // 9 frames: windows at 0 and 1
    model.features(kNpy.string(), options);
    EXPECT_EQ(calls, (Calls{{1, 2}, {2, 2}}));
    calls.clear();
    options.stride = 0;
    options.stride_seconds = 0.05;  // shorter than a frame: every frame starts a window
    model.features(kNpy.string(), options);
    EXPECT_EQ(calls, (Calls{{1, 2}, {2, 2}}));
    calls.clear();
    options.stride_seconds = 0.1;
    options.batch = 4;
    model.features(kNpy.string(), options);
    EXPECT_EQ(calls, (Calls{{2, 2}}));
}

TEST(WindowProgress, AnErrorInTheCallbackStopsTheRun) {
    vivid::Model model = vivid::Model::load(kModel.string(), {.threads = 1});
    vivid::WindowOptions options;
    options.stride = 4;
    int calls = 0;
    options.on_progress = [&](int64_t, int64_t) {
        ++calls;
        throw vivid::Error("progress", "cancelled");
    };
    EXPECT_THROW(model.features(kVideo.string(), options), vivid::Error);
    EXPECT_EQ(calls, 1);
}

}  // namespace
