// The progress line on a terminal's stderr: a long video counts its windows and tells the time
// left from them (it used to sit at "0/1 ... ETA 0:00" until the video ended).
#include <gtest/gtest.h>

#include "progress_line.h"

namespace vivid::cli {
namespace {

TEST(ProgressLine, ALongVideoCountsItsWindowsAndTheTimeLeft) {
    // A quarter of the only video's windows in a minute: three minutes to go.
    EXPECT_EQ(progress_line({.videos_total = 1, .windows_done = 450, .windows_expected = 1800, .seconds = 60}),
              "[#######.......................] 0/1  0 failed  0.00 videos/s  windows 450/1800  ETA 3:00");
    // Before its first window the time left cannot be told.
    EXPECT_EQ(progress_line({.videos_total = 1, .seconds = 0.5}),
              "[..............................] 0/1  0 failed  0.00 videos/s  ETA --");
    // The second of two videos, half done: three quarters done in 90 s.
    EXPECT_EQ(progress_line({.videos_done = 1, .videos_total = 2, .windows_done = 5, .windows_expected = 10, .seconds = 90}),
              "[######################........] 1/2  0 failed  0.01 videos/s  windows 5/10  ETA 0:30");
    // A video that does not say how long it is: its windows counted, no total.
    EXPECT_EQ(progress_line({.videos_total = 2, .windows_done = 5, .seconds = 10}),
              "[..............................] 0/2  0 failed  0.00 videos/s  windows 5  ETA --");
}

TEST(ProgressLine, VideosWithoutWindowsAsBefore) {
    EXPECT_EQ(progress_line({.videos_done = 3, .videos_total = 10, .failed = 1, .seconds = 30}),
              "[#########.....................] 3/10  1 failed  0.10 videos/s  ETA 1:10");
    EXPECT_EQ(progress_line({.videos_done = 0, .videos_total = 0, .seconds = 1}),
              "[##############################] 0/0  0 failed  0.00 videos/s  ETA 0:00");
}

TEST(ProgressLine, OneVideoInTheTimeline) {
    EXPECT_EQ(progress_line({.windows_done = 120, .windows_expected = 2250, .seconds = 40, .one_video = true}),
              "[#.............................] windows 120/2250  3.00 windows/s  ETA 11:50");
    EXPECT_EQ(progress_line({.windows_done = 10, .windows_expected = 10000, .seconds = 100, .one_video = true}),
              "[..............................] windows 10/10000  0.10 windows/s  ETA 27:45:00");
    // The stream's estimate was passed: the total is unknown again.
    EXPECT_EQ(progress_line({.windows_done = 130, .windows_expected = 120, .seconds = 10, .one_video = true}),
              "[..............................] windows 130  13.00 windows/s  ETA --");
}

}  // namespace
}  // namespace vivid::cli
