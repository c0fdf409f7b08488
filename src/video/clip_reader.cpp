// read_clips: decode (or take .npy rows), pick the sampled frames, build (T,H,W,3) clips.

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "video/ffmpeg_decoder.h"
#include "vivid/vivid.h"
#include "formats/npy.h"
#include "video/video_reader.h"

namespace vivid {
namespace {

// Uniform and multi-clip sampling decode the whole video (exact frame count, as PyAV counts).
// Past SamplingOptions::max_frames a video is refused rather than decoded for minutes; the
// default pipeline sampling decodes only up to the frames it takes.
std::string too_many_frames(int64_t frames) {
    return "has more than " + std::to_string(frames) +
           " frames; sampling over the whole video would decode them all (the HF pipeline sampling reads only "
           "the frames it takes)";
}

// The wanted frames, decoded straight into one uint8 (N,H,W,3) tensor in index order.
struct DecodedFrames {
    Tensor bank;                      // row k holds the k-th wanted frame that was decoded
    std::map<int64_t, int64_t> row;   // frame index -> row of bank
    int64_t seen = 0;                 // frames the file yielded before decoding stopped
    int64_t total = -1;               // frames in the whole file, when decoded to the end
};

std::string frame_size_change(int w0, int h0, int w, int h, int64_t index) {
    return "frame size changes mid-stream (" + std::to_string(w0) + "x" + std::to_string(h0) + " then " +
           std::to_string(w) + "x" + std::to_string(h) + " at frame " + std::to_string(index) + ")";
}

// Decodes up to the largest wanted index (or to the end, to learn the frame count) and keeps
// the wanted frames, converted to RGB. Empty when skipping non-reference frames broke PyAV's
// numbering (see frame_index_plan.h).
std::optional<DecodedFrames> decode_wanted_once(const std::string& path, const std::set<int64_t>& wanted, bool skip,
                                                bool to_end, int threads, int64_t max_frames) {
    DecodedFrames out;
    if (wanted.empty() && !to_end) return out;
    video::FfmpegDecoder decoder(path, {threads, wanted, skip});
    const int64_t last = wanted.empty() ? -1 : *wanted.rbegin();
    int64_t filled = 0, frame_bytes = 0;
    while (decoder.next_frame()) {
        const int64_t i = decoder.index();
        out.seen = i + 1;
        if (to_end && i >= max_frames) throw Error(path, too_many_frames(max_frames));
        if (!wanted.count(i)) continue;
        const int w = decoder.width(), h = decoder.height();
        if (!out.bank.defined()) {
            out.bank = Tensor::uninitialized(DType::U8, {static_cast<int64_t>(wanted.size()), h, w, 3});
            frame_bytes = int64_t{w} * h * 3;
        } else if (out.bank.size(1) != h || out.bank.size(2) != w) {
            throw Error(path, frame_size_change(static_cast<int>(out.bank.size(2)), static_cast<int>(out.bank.size(1)), w, h, i));
        }
        decoder.current_frame_rgb(out.bank.data_mut<uint8_t>() + filled * frame_bytes);
        out.row[i] = filled++;
        if (i >= last && !to_end) break;
    }
    if (decoder.must_redecode()) return std::nullopt;
    if (to_end) out.total = decoder.frames_in_stream();
    return out;
}

DecodedFrames decode_wanted(const std::string& path, const std::set<int64_t>& wanted, int threads, bool to_end = false,
                            int64_t max_frames = SamplingOptions{}.max_frames) {
    if (auto fast = decode_wanted_once(path, wanted, true, to_end, threads, max_frames)) return std::move(*fast);
    return std::move(*decode_wanted_once(path, wanted, false, to_end, threads, max_frames));
}

// Uniform and multi-clip sampling need the frame count first. Rather than a whole decode to
// count, guess it from the packets (demuxing only), sample with the guess, and decode once to
// the end, which gives the true count; only when the two differ is the video decoded again.
struct WantedFrames {
    std::vector<std::vector<int64_t>> per_clip;
    std::set<int64_t> all;
};

WantedFrames wanted_frames(const SamplingOptions& options, int64_t total) {
    WantedFrames w;
    for (int64_t k = 0; k < options.clips; ++k) {
        w.per_clip.push_back(sample_indices(options, total, k));
        w.all.insert(w.per_clip.back().begin(), w.per_clip.back().end());
    }
    return w;
}

Tensor make_indices(const std::vector<int64_t>& taken) {
    Tensor t = Tensor::uninitialized(DType::I64, {static_cast<int64_t>(taken.size())});
    std::copy(taken.begin(), taken.end(), t.data_mut<int64_t>());
    return t;
}

std::string no_frames_message(int64_t available, const std::vector<int64_t>& wanted) {
    if (available == 0) return "no frame could be decoded (damaged or truncated file?)";
    return "no frames at the sampled indices (the video yields " + std::to_string(available) +
           " frames; the first index wanted is " + std::to_string(wanted.empty() ? 0 : wanted.front()) + ")";
}

SampledClip clip_from_video(const std::string& path, const std::vector<int64_t>& wanted, const DecodedFrames& video) {
    std::vector<int64_t> taken, rows;
    for (int64_t i : wanted) {
        const auto at = video.row.find(i);
        if (at == video.row.end()) continue;
        taken.push_back(i);
        rows.push_back(at->second);
    }
    if (taken.empty()) throw Error(path, no_frames_message(video.seen, wanted));
    const auto n = static_cast<int64_t>(taken.size());
    bool leading_rows = true;  // the common case: the clip is the bank's first n rows
    for (int64_t k = 0; k < n; ++k) leading_rows = leading_rows && rows[k] == k;
    if (leading_rows) return {video.bank.leading(n), make_indices(taken)};
    const Tensor& bank = video.bank;
    Tensor frames = Tensor::uninitialized(DType::U8, {n, bank.size(1), bank.size(2), 3});
    const auto frame_bytes = static_cast<std::size_t>(bank.size(1) * bank.size(2) * 3);
    for (int64_t k = 0; k < n; ++k)
        std::memcpy(frames.data_mut<uint8_t>() + k * frame_bytes, bank.data<uint8_t>() + rows[k] * frame_bytes, frame_bytes);
    return {frames, make_indices(taken)};
}

SampledClip clip_from_array(const std::string& path, const Tensor& all, const std::vector<int64_t>& wanted) {
    const int64_t n = all.size(0);
    std::vector<int64_t> taken;
    for (int64_t i : wanted)
        if (i < n) taken.push_back(i);
    if (taken.empty()) throw Error(path, no_frames_message(n, wanted));
    const int64_t frame_bytes = all.size(1) * all.size(2) * 3;
    Tensor frames = Tensor::uninitialized(DType::U8, {static_cast<int64_t>(taken.size()), all.size(1), all.size(2), 3});
    const Tensor dense = all.is_contiguous() ? all : all.contiguous_copy();
    for (std::size_t k = 0; k < taken.size(); ++k)
        std::memcpy(frames.data_mut<uint8_t>() + k * frame_bytes, dense.data<uint8_t>() + taken[k] * frame_bytes,
                    static_cast<std::size_t>(frame_bytes));
    return {frames, make_indices(taken)};
}

bool needs_frame_count(const SamplingOptions& o) {
    return o.mode == SamplingOptions::Mode::Uniform || o.clips > 1;
}

}  // namespace

// By content, or by name (so a damaged .npy gets the .npy reader's error, not FFmpeg's).
bool is_npy_file(const std::string& path) {
    if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0) return true;
    std::ifstream f(path, std::ios::binary);
    char magic[6] = {};
    f.read(magic, sizeof magic);
    return f.gcount() == 6 && std::memcmp(magic, "\x93NUMPY", 6) == 0;
}

Tensor checked_frames(Tensor t, const std::string& source) {
    if (t.dtype() != DType::U8 || t.dim() != 4 || t.size(3) != 3)
        throw Error(source, "expected a uint8 array of frames (T,H,W,3), got " + std::string(dtype_name(t.dtype())) +
                                " " + shape_to_string(t.shape()));
    if (t.size(0) < 1 || t.size(1) < 1 || t.size(2) < 1)
        throw Error(source, "the frame array is empty: " + shape_to_string(t.shape()));
    return t;
}

Tensor read_npy_frames(const std::string& path) { return checked_frames(read_npy(path), path); }


int64_t count_frames(const std::string& path, int threads, int64_t max_frames) {
    if (is_npy_file(path)) return read_npy_frames(path).size(0);
    video::FfmpegDecoder decoder(path, {threads, {}, false});
    int64_t n = 0;
    while (decoder.next_frame())
        if (++n > max_frames) throw Error(path, too_many_frames(max_frames));
    return n;
}

Tensor decode_all_frames(const std::string& path, int threads) {
    if (is_npy_file(path)) return read_npy_frames(path);
    std::vector<int64_t> every;
    {
        const int64_t n = count_frames(path, threads);
        for (int64_t i = 0; i < n; ++i) every.push_back(i);
    }
    if (every.empty()) throw Error(path, "the video has no frames");
    return clip_from_video(path, every, decode_wanted(path, {every.begin(), every.end()}, threads)).frames;
}

std::vector<SampledClip> read_clips(const std::string& path, const SamplingOptions& options) {
    // Argument errors first, before any decoding.
    (void)sample_indices(options, needs_frame_count(options) ? 1 : 0, 0);
    std::vector<SampledClip> clips;
    if (is_npy_file(path)) {
        const Tensor array = read_npy_frames(path);
        for (const auto& w : wanted_frames(options, array.size(0)).per_clip) clips.push_back(clip_from_array(path, array, w));
        return clips;
    }
    if (!needs_frame_count(options)) {
        const WantedFrames w = wanted_frames(options, 0);
        const DecodedFrames decoded = decode_wanted(path, w.all, options.decoder_threads);
        for (const auto& c : w.per_clip) clips.push_back(clip_from_video(path, c, decoded));
        return clips;
    }
    int64_t total = video::FfmpegDecoder(path, {1, {}, false}).count_remaining_packets();
    if (total > options.max_frames) throw Error(path, too_many_frames(options.max_frames));
    if (total == 0) total = count_frames(path, options.decoder_threads, options.max_frames);  // no packets: let the decoder say
    if (total == 0) throw Error(path, "the video has no frames");
    WantedFrames w = wanted_frames(options, total);
    DecodedFrames decoded = decode_wanted(path, w.all, options.decoder_threads, true, options.max_frames);
    if (decoded.total != total) {
        total = decoded.total;
        if (total == 0) throw Error(path, "the video has no frames");
        w = wanted_frames(options, total);
        decoded = decode_wanted(path, w.all, options.decoder_threads);
    }
    for (const auto& c : w.per_clip) clips.push_back(clip_from_video(path, c, decoded));
    return clips;
}

}  // namespace vivid
