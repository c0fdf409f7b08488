// FfmpegDecoder options against PyAV 10 golden frames: frame threading, and dropping unwanted
// H.264 non-reference frames, must give the same frames at the same indices.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "video/ffmpeg_decoder.h"
#include "formats/safetensors.h"
#include "video/video_reader.h"

namespace vivid::video {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
    fs::path video;
    Tensor frames, indices;
};

GoldenCase golden(const std::string& name) {
    const fs::path folder = test::data_dir() / "video/cases" / name;
    const auto j = nlohmann::json::parse(std::ifstream(folder / "case.json"));
    const auto args = j.at("run").at(0).at("args").get<std::vector<std::string>>();
    GoldenCase c;
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--video") c.video = folder / args[i + 1];
    const TensorMap expected = read_safetensors((folder / "expected/outputs.safetensors").string());
    c.frames = expected.at("frames");
    // A copy: in the file the int64 data need not be 8-byte aligned.
    c.indices = expected.at("indices").contiguous_copy();
    return c;
}

struct DecodeResult {
    int64_t frames_matched = 0;
    int64_t frames_returned = 0;
    bool still_skipping = false;
    bool must_redecode = false;
};

// Decodes up to the last golden index; every golden index must come out with PyAV's bytes.
DecodeResult decode_and_compare(const GoldenCase& c, int threads, bool skip) {
    const auto* idx = c.indices.data<int64_t>();
    const std::set<int64_t> wanted(idx, idx + c.indices.numel());
    FfmpegDecoder decoder(c.video.string(), {threads, wanted, skip});
    const auto frame_bytes = static_cast<std::size_t>(c.frames.size(1) * c.frames.size(2) * 3);
    std::vector<uint8_t> rgb(frame_bytes);
    DecodeResult r;
    int64_t k = 0;
    while (k < c.indices.numel() && decoder.next_frame()) {
        if (decoder.index() != idx[k]) {
            EXPECT_LT(decoder.index(), idx[k]) << "index " << idx[k] << " never came out";
            continue;
        }
        decoder.current_frame_rgb(rgb.data());
        EXPECT_EQ(std::memcmp(rgb.data(), c.frames.data<uint8_t>() + k * frame_bytes, frame_bytes), 0)
            << "frame " << idx[k];
        ++k;
    }
    r.frames_matched = k;
    r.frames_returned = decoder.frames_returned();
    r.still_skipping = decoder.skipping();
    r.must_redecode = decoder.must_redecode();
    return r;
}

const char* const kSkippingCases[] = {"h264_bpyramid_rate4",  "h264_bpyramid_mkv", "h264_deep_bframes",
                                      "h264_open_gop_slices", "h264_interlaced",   "h264_yuv420p_bframes",
                                      "hevc_bframes_rate4",   "mpeg4_bframes_mp4", "mpeg2_bframes_ts"};

TEST(FfmpegDecoder, DroppingUnwantedNonReferenceFramesKeepsPyAVFramesAndIndices) {
    for (const char* name : kSkippingCases) {
        for (int threads : {1, 2}) {
            SCOPED_TRACE(std::string(name) + ", threads " + std::to_string(threads));
            const GoldenCase c = golden(name);
            const DecodeResult r = decode_and_compare(c, threads, true);
            EXPECT_EQ(r.frames_matched, c.indices.numel());
            EXPECT_FALSE(r.must_redecode);
            EXPECT_TRUE(r.still_skipping);
            // Fewer frames came out than PyAV numbered: the decoder really dropped some.
            const int64_t last = c.indices.data<int64_t>()[c.indices.numel() - 1];
            EXPECT_LT(r.frames_returned, last + 1);
        }
    }
}

TEST(FfmpegDecoder, StreamsWhereDroppingIsNotProvablyExactAreDecodedInFull) {
    // AVI packets carry no pts; the edit-list cut starts with packets flagged discard; in an
    // HEVC stream with temporal sub-layers a "non-reference" picture can be a reference.
    for (const char* name : {"h264_bframes_avi", "h264_edit_list_cut", "hevc_temporal_layers", "vp9_webm"}) {
        SCOPED_TRACE(name);
        const GoldenCase c = golden(name);
        const DecodeResult r = decode_and_compare(c, 1, true);
        EXPECT_EQ(r.frames_matched, c.indices.numel());
        EXPECT_FALSE(r.still_skipping);
        EXPECT_FALSE(r.must_redecode);
        EXPECT_EQ(r.frames_returned, c.indices.data<int64_t>()[c.indices.numel() - 1] + 1);
    }
}

TEST(FfmpegDecoder, FrameThreadingGivesPyAVFramesForEveryCodec) {
    for (const auto& entry : fs::directory_iterator(test::data_dir() / "video/cases")) {
        const std::string name = entry.path().filename().string();
        if (name == "npy_clip") continue;
        SCOPED_TRACE(name);
        const GoldenCase c = golden(name);
        EXPECT_EQ(decode_and_compare(c, 2, false).frames_matched, c.indices.numel());
    }
}

// Uniform and multi-clip sampling guess the frame count from the packets and decode once to
// the end; the frames must be those of a full decode at the indices the true count gives.
TEST(FfmpegDecoder, UniformAndMultiClipSamplingMatchAFullDecode) {
    std::vector<fs::path> videos{test::data_dir() / "video/broken/truncated.mp4"};
    for (const auto& entry : fs::directory_iterator(test::data_dir() / "video/cases"))
        if (entry.path().filename() != "npy_clip") videos.push_back(golden(entry.path().filename().string()).video);
    for (const fs::path& video : videos) {
        SCOPED_TRACE(video.string());
        const Tensor all = decode_all_frames(video.string());
        const int64_t n = all.size(0);
        const auto frame_bytes = static_cast<std::size_t>(all.size(1) * all.size(2) * 3);
        for (const auto& [num_frames, clips, mode] :
             {std::tuple{3, 1, SamplingOptions::Mode::Uniform}, std::tuple{2, 2, SamplingOptions::Mode::Uniform},
              std::tuple{2, 3, SamplingOptions::Mode::Pipeline}}) {
            SamplingOptions o;
            o.num_frames = num_frames;
            o.frame_sampling_rate = 2;
            o.clips = clips;
            o.mode = mode;
            const auto got = read_clips(video.string(), o);
            ASSERT_EQ(got.size(), static_cast<std::size_t>(clips));
            for (int64_t k = 0; k < clips; ++k) {
                std::vector<int64_t> want;
                for (int64_t i : sample_indices(o, n, k))
                    if (i < n) want.push_back(i);
                const Tensor& idx = got[k].indices;
                ASSERT_EQ(std::vector<int64_t>(idx.data<int64_t>(), idx.data<int64_t>() + idx.numel()), want);
                for (std::size_t j = 0; j < want.size(); ++j)
                    EXPECT_EQ(std::memcmp(got[k].frames.data<uint8_t>() + j * frame_bytes,
                                          all.data<uint8_t>() + want[j] * frame_bytes, frame_bytes),
                              0)
                        << "clip " << k << " frame " << want[j];
            }
        }
    }
}

TEST(FfmpegDecoder, PacketCountIsOnlyAGuess) {
    // The truncated file's index lists packets whose data is missing: fewer frames decode,
    // so uniform sampling above had to take its second decode.
    const std::string truncated = (test::data_dir() / "video/broken/truncated.mp4").string();
    const int64_t packets = FfmpegDecoder(truncated).count_remaining_packets();
    EXPECT_GT(packets, count_frames(truncated));
    const std::string bframes = golden("h264_bpyramid_rate4").video.string();
    EXPECT_EQ(FfmpegDecoder(bframes).count_remaining_packets(), count_frames(bframes));
}

}  // namespace
}  // namespace vivid::video
