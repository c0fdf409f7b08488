// Where `vivid features` writes: one .npy per video named by its path under the videos'
// common folder (two clip.mp4 in different folders never share a file), never over an input,
// never reading its own output folder as input, and a --resume refused when the recorded
// settings differ from the run's (their vectors would not compare).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "formats/npy.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

const fs::path kModel = test::conformance_dir() / "videomae_tiny_finetuned" / "expected";  // 8 frames of 32x32
const fs::path kVideo = test::data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4";   // 20 frames, 25 fps
const fs::path kFrames = test::conformance_dir() / "videomae_tiny_finetuned" / "video.npy";  // 8 frames

std::vector<nlohmann::json> json_lines(const fs::path& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> out;
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

test::CommandResult features(const std::vector<std::string>& more) {
    std::vector<std::string> args = {"features", "--model", kModel.string()};
    args.insert(args.end(), more.begin(), more.end());
    return run_cli(args);
}

TEST(FeatureOutputs, SameFileNamesInTwoFoldersKeepBothVectors) {
    test::TempDir dir;
    fs::create_directories(dir / "ds" / "a");
    fs::create_directories(dir / "ds" / "b");
    fs::copy_file(kVideo, dir / "ds" / "a" / "clip.mp4");
    fs::copy_file(kFrames, dir / "ds" / "b" / "clip.npy");  // a different clip under the same name
    fs::copy_file(kVideo, dir / "ds" / "b" / "clip.mkv");    // and one that differs only in extension
    const auto r = features({(dir / "ds").string(), "--out", (dir / "out").string(), "--fps", "10"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::string> npy_of;
    for (const auto& rec : json_lines(dir / "out" / "features.jsonl"))
        npy_of[fs::path(rec["path"].get<std::string>()).lexically_relative(dir / "ds").string()] = rec["npy"];
    EXPECT_EQ(npy_of["a/clip.mp4"], "a/clip.npy");
    EXPECT_EQ(npy_of["b/clip.npy"], "b/clip.npy.npy");
    EXPECT_EQ(npy_of["b/clip.mkv"], "b/clip.mkv.npy");
    EXPECT_EQ(read_npy((dir / "out" / "a" / "clip.npy").string()).size(0), 2);  // 20 frames: 2 windows of 8
    EXPECT_EQ(read_npy((dir / "out" / "b" / "clip.npy.npy").string()).size(0), 1);  // 8 frames: 1 window
}

TEST(FeatureOutputs, AnInputIsNeverOverwritten) {
    test::TempDir dir;
    fs::copy_file(kFrames, dir / "x.npy");
    const std::string before = test::read_bytes(dir / "x.npy");
    const auto r = features({(dir / "x.npy").string(), "--out", dir.path().string(), "--fps", "10"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("would overwrite"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_bytes(dir / "x.npy"), before);
}

TEST(FeatureOutputs, TheOutputFolderIsNeverReadAsInput) {
    test::TempDir dir;
    fs::create_directories(dir / "ds");
    fs::copy_file(kVideo, dir / "ds" / "v.mp4");
    for (int run = 0; run < 2; ++run) {  // the second run would find the first one's v.npy
        const auto r = features({(dir / "ds").string(), "--out", (dir / "ds" / "feats").string()});
        ASSERT_EQ(r.exit_code, 0) << "run " << run << ": " << r.err;
        const auto records = json_lines(dir / "ds" / "feats" / "features.jsonl");
        ASSERT_EQ(records.size(), 1u) << "run " << run;
        EXPECT_EQ(records[0]["npy"], "v.npy");
    }
}

TEST(FeatureOutputs, AResumeWithOtherSettingsIsRefused) {
    test::TempDir dir;
    fs::copy_file(kVideo, dir / "a.mp4");
    fs::copy_file(kVideo, dir / "b.mp4");
    const std::string out = (dir / "out").string();
    auto r = features({(dir / "a.mp4").string(), "--out", out, "--stride", "4"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto first = json_lines(dir / "out" / "features.jsonl").at(0);
    EXPECT_EQ(first["stride"], 4);
    EXPECT_EQ(first["frame_sampling_rate"], 1);
    EXPECT_EQ(first["precision"], "fp32");
    EXPECT_EQ(first["model"], fs::absolute(kModel).lexically_normal().string());
    for (const std::vector<std::string>& other : std::vector<std::vector<std::string>>{
             {"--stride", "2"}, {"--stride-seconds", "0.2"}, {"--stride", "4", "--frame-sampling-rate", "2"},
             {"--stride", "4", "--precision", "int8"}}) {
        std::vector<std::string> args = {(dir / "a.mp4").string(), (dir / "b.mp4").string(), "--out", out, "--resume"};
        args.insert(args.end(), other.begin(), other.end());
        r = features(args);
        EXPECT_EQ(r.exit_code, 2) << other[0] << " " << other[1];
        EXPECT_NE(r.err.find("features.jsonl"), std::string::npos) << r.err;
    }
    EXPECT_EQ(json_lines(dir / "out" / "features.jsonl").size(), 1u);  // nothing mixed in
    r = features({(dir / "a.mp4").string(), (dir / "b.mp4").string(), "--out", out, "--resume", "--stride", "4"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json_lines(dir / "out" / "features.jsonl").size(), 2u);
}

}  // namespace
}  // namespace vivid
