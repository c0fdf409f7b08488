#include "video/frame_index_plan.h"

#include <algorithm>

namespace vivid::video {

FrameIndexPlan::FrameIndexPlan(std::set<int64_t> wanted, bool enabled) : wanted_(std::move(wanted)), enabled_(enabled) {}

void FrameIndexPlan::give_up() {
    enabled_ = false;
    if (skipped_any_) broken_ = true;
}

int64_t FrameIndexPlan::rank_of(int64_t pts) const {
    return std::lower_bound(pts_.begin(), pts_.end(), pts) - pts_.begin();
}

void FrameIndexPlan::on_demuxed(int64_t pts, bool has_pts, bool discarded) {
    if (!enabled_) return;
    // A packet behind one already sent would shift the index of a frame already decided on.
    if (!has_pts || discarded || pts <= max_sent_pts_) return give_up();
    const auto at = std::lower_bound(pts_.begin(), pts_.end(), pts);
    if (at != pts_.end() && *at == pts) return give_up();  // two frames, one timestamp
    reorder_depth_ = std::max<int64_t>(reorder_depth_, pts_.end() - at);
    pts_.insert(at, pts);
}

bool FrameIndexPlan::may_skip(int64_t pts, bool has_pts, bool droppable) {
    if (!enabled_) return false;
    if (!has_pts) {
        give_up();
        return false;
    }
    max_sent_pts_ = std::max(max_sent_pts_, pts);
    if (!droppable || wanted_.count(rank_of(pts))) return false;
    skip_allowed_.insert(pts);
    skipped_any_ = true;
    return true;
}

void FrameIndexPlan::on_send_failed() {
    if (enabled_) give_up();
}

int64_t FrameIndexPlan::on_frame(int64_t pts, bool has_pts) {
    if (enabled_) {
        const int64_t rank = has_pts ? rank_of(pts) : -1;
        bool consistent = rank > last_index_ && rank < static_cast<int64_t>(pts_.size()) && pts_[rank] == pts;
        // Every index passed over must be a frame the decoder was allowed to drop.
        for (int64_t k = last_index_ + 1; consistent && k < rank; ++k) consistent = skip_allowed_.count(pts_[k]) > 0;
        if (consistent) return last_index_ = rank;
        give_up();
    }
    return ++last_index_;  // counting: right whenever nothing was skipped
}

void FrameIndexPlan::check_decoder_delay(int delay) {
    if (!enabled_) return;
    if (decoder_delay_ < 0) decoder_delay_ = delay;
    if (delay != decoder_delay_ || reorder_depth_ > delay) give_up();
}

void FrameIndexPlan::on_end() {
    if (!enabled_) return;
    if (decoder_delay_ >= 0 && reorder_depth_ > decoder_delay_) return give_up();
    for (std::size_t k = static_cast<std::size_t>(last_index_ + 1); k < pts_.size(); ++k)
        if (!skip_allowed_.count(pts_[k])) return give_up();
}

int64_t FrameIndexPlan::frames_in_stream() const {
    return enabled_ ? static_cast<int64_t>(pts_.size()) : last_index_ + 1;
}

}  // namespace vivid::video
