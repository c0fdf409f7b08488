// Seconds as a person reads them, in the timeline's picture and the progress line's ETA.
#pragma once

#include <string>

namespace vivid::cli {

// "m:ss" ("h:mm:ss" from an hour), with up to `decimals` places of the second when they are not
// zero: clock_time(100.12, 2) is "1:40.12", clock_time(25.0, 1) is "0:25".
std::string clock_time(double seconds, int decimals);

}  // namespace vivid::cli
