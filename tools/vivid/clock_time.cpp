#include "clock_time.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vivid::cli {

std::string clock_time(double seconds, int decimals) {
    long long scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    // Rounded once, then split: 59.996 to two places is 1:00, not 0:60.
    const long long ticks = std::llround(std::clamp(seconds, 0.0, 1e12) * static_cast<double>(scale));
    const long long whole = ticks / scale, fraction = ticks % scale;
    char buf[64];
    if (whole >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", whole / 3600, whole / 60 % 60, whole % 60);
    else std::snprintf(buf, sizeof buf, "%lld:%02lld", whole / 60, whole % 60);
    std::string out = buf;
    if (fraction > 0) {
        std::snprintf(buf, sizeof buf, ".%0*lld", decimals, fraction);
        out += buf;
        while (out.back() == '0') out.pop_back();
    }
    return out;
}

}  // namespace vivid::cli
