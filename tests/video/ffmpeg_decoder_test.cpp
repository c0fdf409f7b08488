// FfmpegDecoder options against PyAV 10 golden frames: frame threading, and dropping unwanted
// H.264 non-reference frames, must give the same frames at the same indices.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "video/ffmpeg_decoder.h"
#include "vivid/safetensors.h"

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
    c.indices = expected.at("indices");
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

}  // namespace
}  // namespace vivid::video
