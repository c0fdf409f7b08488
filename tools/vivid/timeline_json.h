// A timeline as JSON records, the same for `vivid timeline --out` (one per line) and the
// service's `POST /v1/timeline` (in its "windows" and "segments" lists): {"type": "window",
// "start_frame", "end_frame", "start", "end", "labels"} and {"type": "segment", "start", "end",
// "label", "score"}.
#pragma once

#include <nlohmann/json.hpp>

#include "vivid/vivid.h"

namespace vivid::cli {

nlohmann::ordered_json window_record(const LabelledWindow& w);
nlohmann::ordered_json segment_record(const Segment& s);

}  // namespace vivid::cli
