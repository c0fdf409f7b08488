// Frames of a video file in exactly the order and with exactly the RGB bytes that PyAV 10
// gives: `container.seek(0)`, `container.decode(video=0)`, `frame.to_ndarray(format="rgb24")`.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "video/droppable_frames.h"
#include "video/frame_index_plan.h"

struct AVFormatContext;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct SwsContext;

namespace vivid::video {

struct DecodeOptions {
    // 1: one thread (as PyAV when pinned to a core). More: FFmpeg frame + slice threading,
    // which gives the same frames in the same order.
    int threads = 1;
    // The PyAV indices the caller will take; with skip_unwanted, unwanted non-reference frames
    // are dropped by the decoder (see frame_index_plan.h, ffmpeg_decoder.cpp for the codecs).
    std::set<int64_t> wanted;
    bool skip_unwanted = false;
};

// Frames larger than this are refused before anything is allocated for them (8K UHD is
// 7680x4320; FFmpeg itself would accept up to ~16k x 16k, 1 GB of RGB per frame).
inline constexpr int kMaxFrameSide = 16384;
inline constexpr int64_t kMaxFramePixels = int64_t{8192} * 8192;

class FfmpegDecoder {
public:
    // Opens `path` and its first video stream. Throws vivid::Error naming the file.
    explicit FfmpegDecoder(const std::string& path, DecodeOptions options = {});
    ~FfmpegDecoder();
    FfmpegDecoder(const FfmpegDecoder&) = delete;
    FfmpegDecoder& operator=(const FfmpegDecoder&) = delete;

    // Advances to the next decoded frame; false once the stream is exhausted.
    bool next_frame();
    // Once next_frame() has returned false: how many frames PyAV yields from the whole file,
    // those dropped here included (exact while skipping() holds, see frame_index_plan.h).
    int64_t frames_in_stream() const { return plan_.frames_in_stream(); }
    // Reads the rest of the file without decoding: the number of video packets, not flagged
    // discard. Well-formed files have one frame per packet; a guess to be checked by decoding.
    int64_t count_remaining_packets();
    // The current frame's presentation time in seconds from the stream's start (its best-effort
    // timestamp, so variable frame rates are right; index / frame rate where it has none).
    double current_seconds() const;
    // The stream's average frame rate (frames per second; 0 when the file does not say).
    double frame_rate() const;
    // What the container's header says, unchecked (for estimates such as progress): the
    // stream's frame count and its duration in seconds (else the file's); 0 when it does not say.
    int64_t header_frame_count() const;
    double header_duration() const;
    int width() const;   // of the current frame
    int height() const;
    int64_t index() const { return index_; }  // the current frame's index in PyAV's numbering
    int64_t frames_returned() const { return frames_returned_; }  // by next_frame() so far
    bool skipping() const { return plan_.skipping(); }  // still dropping unwanted frames
    // Frames were skipped and the stream then broke the numbering's assumptions: the indices
    // can no longer be trusted; decode again without skipping.
    bool must_redecode() const { return plan_.broken(); }
    // Writes the current frame as packed RGB24 (height*width*3 bytes, no row padding).
    void current_frame_rgb(uint8_t* dst);

    // Packets are demuxed this far ahead of the decoder, so that every packet's presentation
    // rank is known before it is sent (B-frame reordering is a few frames deep; H.264 allows 16).
    static constexpr std::size_t kLookahead = 48;
    static constexpr std::size_t kLookaheadBytes = std::size_t{64} << 20;

private:
    void release();
    void check_frame_size(int width, int height) const;
    bool feed_decoder();  // sends one more packet (or the final flush); false when none is left
    void fill_lookahead();
    static bool can_drop_frames(int codec_id);
    PacketKind packet_kind(const AVPacket* p) const;

    std::string path_;
    AVFormatContext* format_ = nullptr;
    AVCodecContext* codec_ = nullptr;
    AVFrame* frame_ = nullptr;
    AVPacket* packet_ = nullptr;
    SwsContext* sws_ = nullptr;
    uint8_t* rgb_[4] = {};  // PyAV-like aligned RGB destination, reused across frames
    int rgb_linesize_[4] = {};
    int rgb_width_ = 0, rgb_height_ = 0;
    std::deque<AVPacket*> lookahead_;
    std::size_t lookahead_bytes_ = 0;
    FrameIndexPlan plan_;
    int stream_index_ = -1;
    int64_t index_ = -1;
    int nal_length_size_ = 0;  // H.264/HEVC: NAL length prefix from avcC/hvcC; 0 for Annex B
    int64_t frames_returned_ = 0;
    bool demux_done_ = false;
    bool flushed_ = false;
    bool have_frame_ = false;
};

}  // namespace vivid::video
