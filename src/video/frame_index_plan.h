// Which PyAV frame index a packet will become, known before it is decoded, so that an H.264
// non-reference frame nobody wants need not be decoded at all (AVDISCARD_NONREF) while every
// frame that is kept keeps PyAV's numbering.
//
// PyAV numbers frames in the order the decoder releases them. For a well-formed stream that is
// presentation order, so a frame's index is the number of frames with a smaller pts. The plan
// keeps the pts of every demuxed packet (a lookahead of packets not yet sent covers B-frame
// reordering) and checks the assumption on every frame that comes out. A stream that breaks
// it (missing or repeated pts, discarded packets, reordering deeper than the lookahead, frames
// out of pts order, a frame the decoder dropped) turns the plan off; if a frame had already
// been skipped by then, the numbering can no longer be trusted and the caller must decode
// again without skipping (`broken()`).
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace vivid::video {

class FrameIndexPlan {
public:
    // `wanted`: PyAV indices the caller keeps. `enabled` false: plain counting, no skipping.
    FrameIndexPlan(std::set<int64_t> wanted, bool enabled);

    // A packet of the video stream left the demuxer (it is not sent yet). has_pts false for
    // AV_NOPTS_VALUE; discarded for AV_PKT_FLAG_DISCARD.
    void on_demuxed(int64_t pts, bool has_pts, bool discarded);
    // The packet is about to be sent: true when the decoder is to drop it. Only a packet the
    // bitstream marks as non-reference (`droppable`, droppable_frames.h) nobody wants is
    // dropped, so any other frame that does not come out is a surprise the plan notices.
    bool may_skip(int64_t pts, bool has_pts, bool droppable);
    // avcodec_send_packet refused the packet (corrupt data): its frame may never come out.
    void on_send_failed();
    // The stream turned out not to be one whose non-reference frames may be dropped.
    void stop_skipping() { give_up(); }
    // The decoder's reorder delay (H.264 has_b_frames) once frames come out. A decoder that
    // must raise it mid-stream (no reorder bound in the SPS) returns some frames out of order
    // or not at all, and does so depending on which frames it saw: if the stream reorders
    // deeper than the delay, or the delay changes, numbering by timestamps is not safe.
    void check_decoder_delay(int delay);
    // A frame came out of the decoder; returns its PyAV index.
    int64_t on_frame(int64_t pts, bool has_pts);
    // The decoder is drained: frames that never came out must all have been droppable.
    void on_end();
    // After on_end(): how many frames PyAV yields from the whole stream.
    int64_t frames_in_stream() const;

    bool skipping() const { return enabled_; }
    // True when frames were skipped and the stream then broke the plan's assumption.
    bool broken() const { return broken_; }

private:
    void give_up();
    int64_t rank_of(int64_t pts) const;  // index in pts_, which must hold pts

    std::set<int64_t> wanted_;
    bool enabled_;
    bool broken_ = false;
    bool skipped_any_ = false;
    std::vector<int64_t> pts_;        // every demuxed pts, sorted
    std::set<int64_t> skip_allowed_;  // pts of the packets the decoder was told to drop
    int64_t max_sent_pts_ = INT64_MIN;
    int64_t last_index_ = -1;  // the index of the last frame out
    int64_t reorder_depth_ = 0;  // most frames before a packet in decode order but after it in pts
    int decoder_delay_ = -1;     // as first seen
};

}  // namespace vivid::video
