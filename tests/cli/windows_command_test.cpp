// `vivid features` and `vivid timeline` on real videos: one row per whole window, records with
// the windows' frames and times, --resume, a bad video recorded and passed over (exit 1), and
// the timeline's first window labelled as `vivid classify` labels the same frames.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/npy.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

const fs::path kModel = test::conformance_dir() / "videomae_tiny_finetuned" / "expected";  // 8 frames of 32x32
const fs::path kVideo = test::data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4";   // 20 frames, 25 fps

std::vector<nlohmann::json> json_lines(const fs::path& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> out;
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

TEST(FeaturesCommand, OneRowPerWholeWindowAndARecordPerVideo) {
    test::TempDir dir;
    fs::copy_file(kVideo, dir / "a.mp4");
    test::write_bytes(dir / "broken.mp4", "not a video");
    const fs::path out = dir / "features";
    auto r = run_cli({"features", "--model", kModel.string(), (dir / "a.mp4").string(), (dir / "broken.mp4").string(),
                      "--out", out.string(), "--stride", "4", "--batch", "2"});
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the broken video fails, the run goes on
    const auto records = json_lines(out / "features.jsonl");
    ASSERT_EQ(records.size(), 2u);
    const auto& ok = records[0].contains("error") ? records[1] : records[0];
    const auto& bad = records[0].contains("error") ? records[0] : records[1];
    EXPECT_NE(bad["error"].get<std::string>().find("broken.mp4"), std::string::npos);
    // 20 frames, span 8, stride 4: windows start at 0, 4, 8, 12.
    ASSERT_EQ(ok["windows"].size(), 4u);
    EXPECT_EQ(ok["windows"][3]["start_frame"], 12);
    EXPECT_EQ(ok["windows"][3]["end_frame"], 19);
    EXPECT_NEAR(ok["windows"][1]["start"].get<double>(), 4 / 25.0, 1e-6);
    EXPECT_EQ(ok["npy"], "a.npy");
    const Tensor f = read_npy((out / "a.npy").string());
    EXPECT_EQ(f.shape(), (Shape{4, ok["hidden"].get<int64_t>()}));
    // Resumed: nothing is done again (the broken video is recorded, so it is skipped too).
    r = run_cli({"features", "--model", kModel.string(), (dir / "a.mp4").string(), (dir / "broken.mp4").string(),
                 "--out", out.string(), "--resume", "--stride", "4"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json_lines(out / "features.jsonl").size(), 2u);
}

TEST(TimelineCommand, WindowsThenSegmentsAndAPicture) {
    test::TempDir dir;
    const fs::path jsonl = dir / "t.jsonl", svg = dir / "t.svg";
    auto r = run_cli({"timeline", "--model", kModel.string(), kVideo.string(), "--top-k", "2", "--stride", "6",
                      "--out", jsonl.string(), "--svg", svg.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = json_lines(jsonl);
    int windows = 0, segments = 0;
    for (const auto& l : lines) (l["type"] == "window" ? windows : segments)++;
    EXPECT_EQ(windows, 3);  // starts 0, 6, 12
    EXPECT_GE(segments, 1);
    EXPECT_EQ(lines[0]["labels"].size(), 2u);
    // Window 0 is the frames HF's pipeline takes: the same top label and score as classify.
    r = run_cli({"classify", "--model", kModel.string(), kVideo.string(), "--top-k", "1", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto top = nlohmann::json::parse(r.out)[0];
    EXPECT_EQ(lines[0]["labels"][0]["label"], top["label"]);
    EXPECT_NEAR(lines[0]["labels"][0]["score"].get<double>(), top["score"].get<double>(), 1e-9);
    const std::string picture = test::read_bytes(svg);
    EXPECT_EQ(picture.rfind("<svg", 0), 0u);
    EXPECT_NE(picture.find("0:00"), std::string::npos);
    EXPECT_NE(picture.find(lines.back()["label"].get<std::string>()), std::string::npos);
    // --stride-seconds at the video's 25 fps: 0.16 s is 4 frames, starts 0, 4, 8, 12.
    r = run_cli({"timeline", "--model", kModel.string(), kVideo.string(), "--stride-seconds", "0.16", "--out",
                 jsonl.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json_lines(jsonl)[3]["start_frame"], 12);
    // A .npy array has no timestamps: its frame rate is asked for, then used.
    const fs::path npy = test::conformance_dir() / "videomae_tiny_finetuned" / "video.npy";
    r = run_cli({"timeline", "--model", kModel.string(), npy.string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("give its frame rate"), std::string::npos) << r.err;
    r = run_cli({"timeline", "--model", kModel.string(), npy.string(), "--fps", "4", "--out", jsonl.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_DOUBLE_EQ(json_lines(jsonl)[0]["end"].get<double>(), 7 / 4.0);
    // Without --out: a table of the segments.
    r = run_cli({"timeline", "--model", kModel.string(), kVideo.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("(2 windows,"), std::string::npos) << r.out;
}

// The largest peak RSS of any child reaped so far, KiB (each TEST runs in its own process).
long children_peak_rss_kb() {
    rusage usage{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    return usage.ru_maxrss;
}

// A synthetic H.264 video of `seconds` at 10 fps, 64x48, from FFmpeg's test source.
bool make_video(const fs::path& path, int seconds) {
    const std::string cmd = "ffmpeg -v error -f lavfi -i testsrc2=size=64x48:rate=10 -t " + std::to_string(seconds) +
                            " -pix_fmt yuv420p -c:v libx264 -preset ultrafast -y '" + path.string() + "'";
    return std::system(cmd.c_str()) == 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIVID_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VIVID_UNDER_ASAN 1
#endif

TEST(FeaturesCommand, ThirtyMinutesCostWhatOneMinuteDoes) {
#ifdef VIVID_UNDER_ASAN
    GTEST_SKIP() << "AddressSanitizer keeps freed memory in quarantine: RSS says nothing here";
#endif
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no ffmpeg to make the long video";
    test::TempDir dir;
    ASSERT_TRUE(make_video(dir / "one_minute.mp4", 60));
    ASSERT_TRUE(make_video(dir / "thirty_minutes.mp4", 1800));
    auto r = run_cli({"features", "--model", kModel.string(), (dir / "one_minute.mp4").string(), "--out",
                      (dir / "short").string(), "--batch", "4"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const long one_minute = children_peak_rss_kb();
    r = run_cli({"features", "--model", kModel.string(), (dir / "thirty_minutes.mp4").string(), "--out",
                 (dir / "long").string(), "--batch", "4"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto record = json_lines(dir / "long" / "features.jsonl").at(0);
    EXPECT_EQ(record["windows"].size(), 18000u / 8);  // 18000 frames, windows of 8 end to end
    EXPECT_LT(children_peak_rss_kb(), one_minute + 32 * 1024)
        << "peak RSS " << children_peak_rss_kb() << " KiB for 30 minutes against " << one_minute << " for one";
    std::printf("peak RSS: one minute %ld KiB, thirty minutes at most %ld KiB\n", one_minute, children_peak_rss_kb());
}

}  // namespace
}  // namespace vivid
