// Decoding + pipeline sampling against PyAV 10 golden frames (tests/data/video/, made by
// make_video_cases.py, and the shared conformance video case): frames must be byte-identical.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "vivid/vivid.h"
#include "formats/safetensors.h"
#include "video/video_reader.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using test::conformance_dir;
using test::data_dir;

struct VideoCase {
    fs::path folder;
    std::string video;
    SamplingOptions options;
};

// Every case folder of kind "video" with its `--video`, `--num-frames`, `--frame-sampling-rate`.
std::vector<VideoCase> video_cases() {
    std::vector<VideoCase> out;
    for (const fs::path& root : {conformance_dir(), data_dir() / "video" / "cases"}) {
        if (!fs::exists(root)) continue;
        for (const auto& entry : fs::directory_iterator(root)) {
            const fs::path case_json = entry.path() / "case.json";
            if (!fs::exists(case_json)) continue;
            const auto j = nlohmann::json::parse(std::ifstream(case_json));
            if (j.value("kind", "") != "video") continue;
            const auto args = j.at("run").at(0).at("args").get<std::vector<std::string>>();
            VideoCase c{entry.path(), "", {}};
            c.options.frame_sampling_rate = 1;
            for (std::size_t i = 0; i + 1 < args.size(); ++i) {
                if (args[i] == "--video") c.video = args[i + 1];
                if (args[i] == "--num-frames") c.options.num_frames = std::stoll(args[i + 1]);
                if (args[i] == "--frame-sampling-rate") c.options.frame_sampling_rate = std::stoll(args[i + 1]);
            }
            out.push_back(c);
        }
    }
    return out;
}

void expect_same_bytes(const Tensor& got, const Tensor& want, const std::string& what) {
    ASSERT_EQ(got.dtype(), want.dtype()) << what;
    ASSERT_EQ(got.shape(), want.shape()) << what;
    const auto* a = reinterpret_cast<const uint8_t*>(got.raw());
    const auto* b = reinterpret_cast<const uint8_t*>(want.raw());
    std::size_t differing = 0, first = 0;
    for (std::size_t i = 0; i < got.nbytes(); ++i)
        if (a[i] != b[i] && differing++ == 0) first = i;
    EXPECT_EQ(differing, 0u) << what << ": first difference at byte " << first << " (" << int(a[first]) << " vs "
                             << int(b[first]) << ")";
}

TEST(FfmpegDecode, EveryGoldenCaseMatchesPyAVFramesAndIndices) {
    const auto cases = video_cases();
    ASSERT_GE(cases.size(), 10u);
    for (const auto& c : cases) {
        SCOPED_TRACE(c.folder.filename().string());
        const TensorMap expected = read_safetensors((c.folder / "expected/outputs.safetensors").string());
        const auto clips = read_clips((c.folder / c.video).string(), c.options);
        ASSERT_EQ(clips.size(), 1u);
        expect_same_bytes(clips[0].indices, expected.at("indices"), "indices");
        expect_same_bytes(clips[0].frames, expected.at("frames"), "frames");
    }
}

TEST(FfmpegDecode, RotationMetadataIsIgnoredLikePyAV) {
    // The display matrix says 90 degrees; PyAV 10 (and so HF) keeps the stored 48x32 frames.
    SamplingOptions o;
    o.num_frames = 1;
    const auto clips = read_clips((data_dir() / "video/cases/rotation_metadata/video.mp4").string(), o);
    EXPECT_EQ(clips[0].frames.shape(), (Shape{1, 32, 48, 3}));
}

TEST(FfmpegDecode, CountsFramesLikePyAV) {
    EXPECT_EQ(count_frames((data_dir() / "video/cases/two_frames/video.mp4").string()), 2);
    EXPECT_EQ(count_frames((data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4").string()), 20);
    EXPECT_EQ(count_frames((data_dir() / "video/cases/vfr_mkv/video.mkv").string()), 12);
    EXPECT_EQ(count_frames((data_dir() / "video/cases/npy_clip/video.npy").string()), 9);
}

TEST(FfmpegDecode, DecodeAllFramesStartsWithThePipelineFrames) {
    const auto c = data_dir() / "video/cases/h264_yuv420p_bframes";
    const Tensor all = decode_all_frames((c / "video.mp4").string());
    ASSERT_EQ(all.shape(), (Shape{20, 48, 64, 3}));
    const TensorMap expected = read_safetensors((c / "expected/outputs.safetensors").string());
    const Tensor& frames = expected.at("frames");
    const Tensor idx = expected.at("indices").contiguous_copy();  // int64 in the file may be unaligned
    const std::size_t frame_bytes = 48 * 64 * 3;
    for (int64_t k = 0; k < idx.numel(); ++k)
        EXPECT_EQ(std::memcmp(all.data<uint8_t>() + idx.data<int64_t>()[k] * frame_bytes,
                              frames.data<uint8_t>() + k * frame_bytes, frame_bytes),
                  0)
            << "frame " << idx.data<int64_t>()[k];
}

}  // namespace
}  // namespace vivid
