#include "timeline_json.h"

#include "labels_json.h"

namespace vivid::cli {

nlohmann::ordered_json window_record(const LabelledWindow& w) {
    return {{"type", "window"},       {"start_frame", w.window.start_frame}, {"end_frame", w.window.end_frame},
            {"start", w.window.start}, {"end", w.window.end},                {"labels", labels_json<nlohmann::ordered_json>(w.labels)}};
}

nlohmann::ordered_json segment_record(const Segment& s) {
    return {{"type", "segment"}, {"start", s.start}, {"end", s.end}, {"label", s.label}, {"score", s.score}};
}

}  // namespace vivid::cli
