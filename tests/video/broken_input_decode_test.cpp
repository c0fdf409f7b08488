// Broken and unusual inputs: one clear vivid::Error naming the file, or (for sources PyAV
// decodes) exactly PyAV's frames. Golden data from tests/data/video/make_video_cases.py.
#include <gtest/gtest.h>

#include <cstring>

#include "test_support.h"
#include "vivid/vivid.h"
#include "formats/npy.h"
#include "formats/safetensors.h"
#include "video/video_reader.h"

namespace vivid {
namespace {

using test::data_dir;
using test::TempDir;

std::string error_of(const std::string& path, const SamplingOptions& o = {}) {
    try {
        read_clips(path, o);
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        return e.what();
    }
    return "";
}

void expect_error(const std::string& path, const std::string& problem) {
    const std::string message = error_of(path);
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
}

// Sampled frames and indices of a golden case equal PyAV's.
void expect_case_matches_pyav(const std::string& name, const std::string& file, int64_t num_frames, int64_t rate) {
    const auto folder = data_dir() / "video/cases" / name;
    SamplingOptions o;
    o.num_frames = num_frames;
    o.frame_sampling_rate = rate;
    const auto clip = read_clips((folder / file).string(), o).at(0);
    const TensorMap expected = read_safetensors((folder / "expected/outputs.safetensors").string());
    ASSERT_EQ(clip.frames.shape(), expected.at("frames").shape());
    EXPECT_EQ(std::memcmp(clip.frames.raw(), expected.at("frames").raw(), clip.frames.nbytes()), 0);
    ASSERT_EQ(clip.indices.shape(), expected.at("indices").shape());
    EXPECT_EQ(std::memcmp(clip.indices.raw(), expected.at("indices").raw(), clip.indices.nbytes()), 0);
}

TEST(BrokenInputDecode, TextFileIsNotAVideo) { expect_error((data_dir() / "video/broken/not_a_video.mp4").string(), "not a video"); }

TEST(BrokenInputDecode, EmptyFile) { expect_error((data_dir() / "video/broken/empty.mp4").string(), "empty file"); }

TEST(BrokenInputDecode, MissingFileAndDirectory) {
    TempDir dir;
    expect_error((dir / "nothing.mp4").string(), "cannot open");
    expect_error(dir.path().string(), "directory");
}

TEST(BrokenInputDecode, AudioOnlyFileHasNoVideoStream) {
    // A minimal PCM WAV file: FFmpeg opens it, but there is no picture in it.
    TempDir dir;
    std::string wav = "RIFF";
    auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) wav += static_cast<char>((v >> (8 * i)) & 0xff); };
    auto u16 = [&](uint16_t v) { wav += static_cast<char>(v & 0xff); wav += static_cast<char>(v >> 8); };
    u32(36 + 800);
    wav += "WAVEfmt ";
    u32(16); u16(1); u16(1); u32(8000); u32(16000); u16(2); u16(16);
    wav += "data";
    u32(800);
    wav += std::string(800, '\0');
    test::write_bytes(dir / "audio.wav", wav);
    expect_error((dir / "audio.wav").string(), "has no video stream");
}

TEST(BrokenInputDecode, TruncatedMidStreamDecodesWhatIsThere) {
    // PyAV yields 10 frames of the cut file, then raises on the damaged packet (so HF fails).
    // vivid keeps going: the same 10 frames first, then whatever the decoder still releases.
    const std::string path = (data_dir() / "video/broken/truncated.mp4").string();
    const Tensor pyav = read_safetensors((data_dir() / "video/broken/truncated_pyav_frames.safetensors").string()).at("frames");
    const Tensor all = decode_all_frames(path);
    ASSERT_GE(all.size(0), pyav.size(0));
    EXPECT_EQ(std::memcmp(all.raw(), pyav.raw(), pyav.nbytes()), 0);
    // The pipeline rule then returns the frames that exist, like HF for a short video.
    SamplingOptions o;
    o.num_frames = 8;
    o.frame_sampling_rate = 4;  // wants up to index 31 of the 40 the uncut file had
    const auto clip = read_clips(path, o).at(0);
    EXPECT_LT(clip.indices.numel(), 8);
    EXPECT_GE(clip.indices.numel(), 3);
}

TEST(BrokenInputDecode, CutBeforeTheFirstFrameIsAnError) {
    TempDir dir;
    const std::string bytes = test::read_bytes(data_dir() / "video/broken/truncated.mp4");
    test::write_bytes(dir / "cut.mp4", bytes.substr(0, bytes.size() / 4));
    const std::string message = error_of((dir / "cut.mp4").string());
    EXPECT_NE(message.find((dir / "cut.mp4").string()), std::string::npos) << message;
}

TEST(BrokenInputDecode, NpyThatIsNotAClip) {
    TempDir dir;
    write_npy((dir / "f32.npy").string(), Tensor::zeros(DType::F32, {2, 4, 4, 3}));
    expect_error((dir / "f32.npy").string(), "expected a uint8 array of frames (T,H,W,3)");
    write_npy((dir / "gray.npy").string(), Tensor::zeros(DType::U8, {2, 4, 4}));
    expect_error((dir / "gray.npy").string(), "expected a uint8 array of frames");
    write_npy((dir / "none.npy").string(), Tensor::zeros(DType::U8, {0, 4, 4, 3}));
    expect_error((dir / "none.npy").string(), "empty");
    test::write_bytes(dir / "text.npy", "not numpy at all");
    expect_error((dir / "text.npy").string(), "not a .npy file");
}

TEST(BrokenInputDecode, TenBitSourceMatchesPyAV) { expect_case_matches_pyav("h264_10bit", "video.mp4", 3, 2); }
TEST(BrokenInputDecode, Yuv444SourceMatchesPyAV) { expect_case_matches_pyav("h264_yuv444p_odd_97x55", "video.mp4", 2, 3); }
TEST(BrokenInputDecode, RgbaPngSourceMatchesPyAV) { expect_case_matches_pyav("png_rgba_mov", "video.mov", 2, 2); }
TEST(BrokenInputDecode, ArgbQtrleSourceMatchesPyAV) { expect_case_matches_pyav("qtrle_argb_mov", "video.mov", 2, 2); }
TEST(BrokenInputDecode, FullRangeMjpegMatchesPyAV) { expect_case_matches_pyav("mjpeg_avi", "video.avi", 3, 2); }
TEST(BrokenInputDecode, RotationMetadataMatchesPyAV) { expect_case_matches_pyav("rotation_metadata", "video.mp4", 3, 2); }
TEST(BrokenInputDecode, VariableFrameRateMatchesPyAV) { expect_case_matches_pyav("vfr_mkv", "video.mkv", 4, 3); }
TEST(BrokenInputDecode, TooShortReturnsFewerFramesLikeHF) {
    expect_case_matches_pyav("two_frames", "video.mp4", 8, 1);
    expect_case_matches_pyav("shorter_than_window", "video.mp4", 4, 3);
}

}  // namespace
}  // namespace vivid
