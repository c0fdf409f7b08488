// Mirrors PyAV 10 (av/container/input.pyx, av/codec/context.pyx, av/video/reformatter.pyx,
// av/video/frame.pyx) call for call, because the HF pipeline's numbers come from there:
// - decoder threads: PyAV asks for slice threading (thread_count 0, FF_THREAD_SLICE); vivid
//   uses one thread, or frame + slice threading for threads > 1 (FFmpeg's threading is
//   bit-exact, and frames leave the decoder in the same order); pkt_timebase set;
// - av_seek_frame(ctx, -1, 0, AVSEEK_FLAG_BACKWARD) before decoding (read_video_pyav's seek(0));
// - every demuxed packet of the stream goes to avcodec_send_packet, frames are taken with
//   avcodec_receive_frame as the decoder releases them, then one NULL packet flushes;
// - RGB: sws_getCachedContext(w, h, src, w, h, RGB24, SWS_BILINEAR) with the default
//   colourspace details (PyAV only changes them when asked; its defaults are equal), i.e.
//   BT.601 coefficients and the range swscale infers from the pixel format (yuvj* full,
//   others limited), ignoring the frame's colour tags; destination from av_image_alloc(align
//   16) like PyAV's VideoFrame, since swscale picks code paths by alignment.
// Display-matrix rotation is ignored, as PyAV 10 ignores it.
// Beyond PyAV: non-reference frames that the sampling does not want are dropped by the
// decoder (skip_frame = AVDISCARD_NONREF for that packet alone, when droppable_frames.h reads
// it as non-reference). No other frame reads them, so every other frame is bit-identical;
// frame_index_plan.h keeps PyAV's numbering.
#include "video/ffmpeg_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "core/mapped_file.h"
#include "video/droppable_frames.h"
#include "video/mp4_sample_claims.h"
#include "vivid/vivid.h"

namespace vivid::video {
namespace {

std::string av_error_text(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, buf, sizeof buf);
    return buf;
}

void quiet_ffmpeg_logs() {
    // Bad input is reported once through vivid::Error; FFmpeg's own chatter would add noise.
    static const bool once = [] {
        av_log_set_level(AV_LOG_QUIET);
        return true;
    }();
    (void)once;
}

std::size_t extradata_size(const AVCodecParameters* par) {
    return par->extradata ? static_cast<std::size_t>(std::max(par->extradata_size, 0)) : 0;
}

}  // namespace

FfmpegDecoder::FfmpegDecoder(const std::string& path, DecodeOptions options)
    : path_(path), plan_(std::move(options.wanted), options.skip_unwanted) {
    quiet_ffmpeg_logs();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw Error(path, "is a directory, expected a video file");
    if (st.st_size == 0) throw Error(path, "empty file, expected a video");
    if (S_ISREG(st.st_mode)) {
        const auto file = map_file(path);  // only the sample tables' pages are read
        check_mp4_sample_claims(path, {file->data(), file->size()});
    }

    int r = avformat_open_input(&format_, path.c_str(), nullptr, nullptr);
    if (r < 0) throw Error(path, "not a video FFmpeg can read (" + av_error_text(r) + ")");
    try {
        r = avformat_find_stream_info(format_, nullptr);
        if (r < 0) throw Error(path, "cannot read stream information (" + av_error_text(r) + ")");
        for (unsigned i = 0; i < format_->nb_streams; ++i) {
            if (format_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
                stream_index_ = static_cast<int>(i);
                break;
            }
        }
        if (stream_index_ < 0) throw Error(path, "has no video stream");
        AVStream* stream = format_->streams[stream_index_];
        const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
        if (!codec)
            throw Error(path, std::string("no decoder for video codec ") + avcodec_get_name(stream->codecpar->codec_id));
        codec_ = avcodec_alloc_context3(codec);
        frame_ = av_frame_alloc();
        packet_ = av_packet_alloc();
        if (!codec_ || !frame_ || !packet_) throw Error(path, "out of memory");
        r = avcodec_parameters_to_context(codec_, stream->codecpar);
        if (r < 0) throw Error(path, "bad codec parameters (" + av_error_text(r) + ")");
        codec_->pkt_timebase = stream->time_base;
        const int threads = std::max(options.threads, 1);
        codec_->thread_count = threads;
        codec_->thread_type = threads > 1 ? FF_THREAD_FRAME | FF_THREAD_SLICE : FF_THREAD_SLICE;
        const AVCodecParameters* par = stream->codecpar;
        check_frame_size(par->width, par->height);
        if (par->codec_id == AV_CODEC_ID_H264) nal_length_size_ = avcc_nal_length_size(par->extradata, extradata_size(par));
        if (par->codec_id == AV_CODEC_ID_HEVC) nal_length_size_ = hvcc_nal_length_size(par->extradata, extradata_size(par));
        if (!can_drop_frames(par->codec_id)) plan_.stop_skipping();
        // PyAV raises when this seek fails; a reader can still start from where it is.
        av_seek_frame(format_, -1, 0, AVSEEK_FLAG_BACKWARD);
        r = avcodec_open2(codec_, codec, nullptr);
        if (r < 0) throw Error(path, std::string("cannot open the ") + codec->name + " decoder (" + av_error_text(r) + ")");
    } catch (...) {
        release();
        throw;
    }
}

FfmpegDecoder::~FfmpegDecoder() { release(); }

// The stream's claim first (before any decoding), then each decoded frame's own size.
void FfmpegDecoder::check_frame_size(int width, int height) const {
    if (width > kMaxFrameSide || height > kMaxFrameSide ||
        int64_t{width} * int64_t{height} > kMaxFramePixels)
        throw Error(path_, "frame size " + std::to_string(width) + "x" + std::to_string(height) +
                               " is over vivid's limit (" + std::to_string(kMaxFrameSide) + " pixels a side, " +
                               std::to_string(kMaxFramePixels) + " in all)");
}

void FfmpegDecoder::release() {
    for (AVPacket* p : lookahead_) av_packet_free(&p);
    lookahead_.clear();
    av_freep(&rgb_[0]);
    sws_freeContext(sws_);
    sws_ = nullptr;
    av_packet_free(&packet_);
    av_frame_free(&frame_);
    avcodec_free_context(&codec_);
    avformat_close_input(&format_);
}

bool FfmpegDecoder::can_drop_frames(int codec_id) {
    switch (codec_id) {
        case AV_CODEC_ID_H264: case AV_CODEC_ID_HEVC: case AV_CODEC_ID_MPEG1VIDEO: case AV_CODEC_ID_MPEG2VIDEO:
        case AV_CODEC_ID_MPEG4:
            return true;
        default:  // other decoders' skip rules (or none) could drop references
            return false;
    }
}

PacketKind FfmpegDecoder::packet_kind(const AVPacket* p) const {
    const auto size = static_cast<std::size_t>(std::max(p->size, 0));
    switch (codec_->codec_id) {
        case AV_CODEC_ID_H264: return classify_h264_packet(p->data, size, nal_length_size_);
        case AV_CODEC_ID_HEVC: return classify_hevc_packet(p->data, size, nal_length_size_);
        case AV_CODEC_ID_MPEG1VIDEO: case AV_CODEC_ID_MPEG2VIDEO: return classify_mpeg12_packet(p->data, size);
        case AV_CODEC_ID_MPEG4: return classify_mpeg4_packet(p->data, size);
        default: return PacketKind::Unknown;
    }
}

void FfmpegDecoder::fill_lookahead() {
    // Without dropping there is nothing to plan: one packet at a time. With it, the byte cap
    // keeps an all-intra 4K stream from queueing gigabytes; a plan that then sees a packet
    // behind one already sent simply stops dropping.
    const std::size_t depth = plan_.skipping() ? kLookahead : 1;
    while (!demux_done_ && lookahead_.size() < depth && lookahead_bytes_ < kLookaheadBytes) {
        if (av_read_frame(format_, packet_) < 0) {
            // End of file, or a read error in a damaged file: decode what came before it.
            demux_done_ = true;
            return;
        }
        if (packet_->stream_index != stream_index_) {
            av_packet_unref(packet_);
            continue;
        }
        if (codec_->codec_id == AV_CODEC_ID_HEVC &&
            !hevc_packet_in_base_layer(packet_->data, static_cast<std::size_t>(packet_->size), nal_length_size_))
            plan_.stop_skipping();
        plan_.on_demuxed(packet_->pts, packet_->pts != AV_NOPTS_VALUE, (packet_->flags & AV_PKT_FLAG_DISCARD) != 0);
        AVPacket* queued = av_packet_alloc();
        if (!queued) throw Error(path_, "out of memory");
        av_packet_move_ref(queued, packet_);
        lookahead_.push_back(queued);
        lookahead_bytes_ += static_cast<std::size_t>(std::max(queued->size, 0));
    }
}

bool FfmpegDecoder::feed_decoder() {
    if (flushed_) return false;
    fill_lookahead();
    if (lookahead_.empty()) {
        codec_->skip_frame = AVDISCARD_DEFAULT;
        avcodec_send_packet(codec_, nullptr);
        flushed_ = true;
        return true;
    }
    AVPacket* p = lookahead_.front();
    lookahead_.pop_front();
    lookahead_bytes_ -= static_cast<std::size_t>(std::max(p->size, 0));
    const bool skippable = plan_.may_skip(p->pts, p->pts != AV_NOPTS_VALUE,
                                          plan_.skipping() && packet_kind(p) == PacketKind::NonReference);
    codec_->skip_frame = skippable ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
    // A packet the decoder rejects (corrupt data) is skipped; PyAV would raise here.
    const int r = avcodec_send_packet(codec_, p);
    av_packet_free(&p);
    if (r < 0) plan_.on_send_failed();
    return true;
}

bool FfmpegDecoder::next_frame() {
    have_frame_ = false;
    while (!plan_.broken()) {
        const int r = avcodec_receive_frame(codec_, frame_);
        if (r == 0) {
            if (frame_->width <= 0 || frame_->height <= 0 || frame_->format < 0)
                throw Error(path_, "decoder returned a frame without size or pixel format");
            check_frame_size(frame_->width, frame_->height);
            if (codec_->codec_id == AV_CODEC_ID_H264) plan_.check_decoder_delay(codec_->has_b_frames);
            index_ = plan_.on_frame(frame_->pts, frame_->pts != AV_NOPTS_VALUE);
            if (plan_.broken()) return false;
            have_frame_ = true;
            ++frames_returned_;
            return true;
        }
        if (r == AVERROR_EOF) {
            plan_.on_end();
            return false;
        }
        if (r != AVERROR(EAGAIN)) throw Error(path_, "decoding failed (" + av_error_text(r) + ")");
        if (!feed_decoder()) return false;
    }
    return false;
}

int64_t FfmpegDecoder::count_remaining_packets() {
    int64_t n = 0;
    while (av_read_frame(format_, packet_) >= 0) {
        if (packet_->stream_index == stream_index_ && !(packet_->flags & AV_PKT_FLAG_DISCARD)) ++n;
        av_packet_unref(packet_);
    }
    demux_done_ = true;
    return n;
}

double FfmpegDecoder::frame_rate() const {
    const AVStream* stream = format_->streams[stream_index_];
    AVRational r = stream->avg_frame_rate;
    if (r.num <= 0 || r.den <= 0) r = stream->r_frame_rate;
    return r.num > 0 && r.den > 0 ? av_q2d(r) : 0.0;
}

int64_t FfmpegDecoder::header_frame_count() const {
    return std::max<int64_t>(format_->streams[stream_index_]->nb_frames, 0);
}

double FfmpegDecoder::header_duration() const {
    const AVStream* stream = format_->streams[stream_index_];
    if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
        return static_cast<double>(stream->duration) * av_q2d(stream->time_base);
    if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0)
        return static_cast<double>(format_->duration) / AV_TIME_BASE;
    return 0.0;
}

double FfmpegDecoder::current_seconds() const {
    const AVStream* stream = format_->streams[stream_index_];
    const int64_t ts = frame_->best_effort_timestamp;
    if (ts != AV_NOPTS_VALUE) {
        const int64_t start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
        return static_cast<double>(ts - start) * av_q2d(stream->time_base);
    }
    const double fps = frame_rate();
    return fps > 0 ? static_cast<double>(index_) / fps : 0.0;
}

int FfmpegDecoder::width() const { return have_frame_ ? frame_->width : 0; }
int FfmpegDecoder::height() const { return have_frame_ ? frame_->height : 0; }

void FfmpegDecoder::current_frame_rgb(uint8_t* dst) {
    if (!have_frame_) throw Error(path_, "no decoded frame to convert");
    const int w = frame_->width, h = frame_->height;
    const auto row = static_cast<std::size_t>(w) * 3;
    const auto src_format = static_cast<AVPixelFormat>(frame_->format);
    if (src_format == AV_PIX_FMT_RGB24) {  // PyAV's reformat shortcut: the frame as it is
        for (int y = 0; y < h; ++y) std::memcpy(dst + y * row, frame_->data[0] + static_cast<std::ptrdiff_t>(y) * frame_->linesize[0], row);
        return;
    }
    sws_ = sws_getCachedContext(sws_, w, h, src_format, w, h, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!sws_) throw Error(path_, std::string("cannot convert pixel format ") + av_get_pix_fmt_name(src_format) + " to RGB");
    if (w != rgb_width_ || h != rgb_height_) {
        av_freep(&rgb_[0]);
        if (av_image_alloc(rgb_, rgb_linesize_, w, h, AV_PIX_FMT_RGB24, 16) < 0) throw Error(path_, "out of memory");
        rgb_width_ = w;
        rgb_height_ = h;
    }
    sws_scale(sws_, frame_->data, frame_->linesize, 0, h, rgb_, rgb_linesize_);
    for (int y = 0; y < h; ++y) std::memcpy(dst + y * row, rgb_[0] + static_cast<std::ptrdiff_t>(y) * rgb_linesize_[0], row);
}

}  // namespace vivid::video
