// A timeline as a picture a person reads at a glance: a time axis in mm:ss, one coloured band
// per segment with its label, and the top score of each window as a line above. Plain SVG,
// self-contained (no scripts, no fonts to fetch), opens in any browser.
#pragma once

#include <string>

#include "vivid/vivid.h"

namespace vivid::cli {

std::string timeline_svg(const Timeline& timeline, const std::string& title);

}  // namespace vivid::cli
