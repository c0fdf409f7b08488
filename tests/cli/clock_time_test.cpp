// Times for people: rounded once, no "0:60", no trailing zeros.
#include <gtest/gtest.h>

#include "clock_time.h"

namespace vivid::cli {
namespace {

TEST(ClockTime, RoundsOnceAndDropsZeroDecimals) {
    EXPECT_EQ(clock_time(100.12, 2), "1:40.12");
    EXPECT_EQ(clock_time(60.120000000000005, 2), "1:00.12");
    EXPECT_EQ(clock_time(59.996, 2), "1:00");
    EXPECT_EQ(clock_time(25.0, 1), "0:25");
    EXPECT_EQ(clock_time(0.2, 1), "0:00.2");
    EXPECT_EQ(clock_time(0.5, 2), "0:00.5");
    EXPECT_EQ(clock_time(3725.5, 1), "1:02:05.5");
    EXPECT_EQ(clock_time(-0.001, 0), "0:00");
}

}  // namespace
}  // namespace vivid::cli
