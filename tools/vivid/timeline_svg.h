// A timeline as a picture a person reads at a glance: a time axis in m:ss (its last tick at the
// end), one coloured band per segment with its label (or, where the label does not fit, its
// number and a line in the list below), a legend of every label's colour, and the top score of
// each window as a line above. Each band's tooltip gives its label, start, end and score. Plain
// SVG, self-contained (no scripts, no fonts to fetch), opens in any browser.
#pragma once

#include <string>

#include "vivid/vivid.h"

namespace vivid::cli {

std::string timeline_svg(const Timeline& timeline, const std::string& title);

}  // namespace vivid::cli
