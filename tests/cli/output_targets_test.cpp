// What the commands write onto: "-" is standard output (with the command's messages moved to
// stderr), a FIFO is streamed to, a symlink's target is written and the link kept, a folder
// is refused in one line. And the flags every command shares read the same everywhere.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

const fs::path kModel = test::conformance_dir() / "videomae_tiny_finetuned" / "expected";
const fs::path kFrames = test::conformance_dir() / "videomae_tiny_finetuned" / "video.npy";
const fs::path kVideo = test::data_dir() / "video/cases/h264_yuv420p_bframes/video.mp4";

TEST(OutputTargets, DashIsStandardOutput) {
    auto r = run_cli({"timeline", "--model", kModel.string(), kVideo.string(), "--out", "-", "--svg", "/dev/stderr"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string first;
    std::getline(lines, first);
    EXPECT_EQ(nlohmann::json::parse(first)["type"], "window");
    EXPECT_NE(r.err.find("<svg"), std::string::npos);

    r = run_cli({"preprocess", "--preprocessor-config", (kModel / "preprocessor_config.json").string(), "--video",
                 kFrames.string(), "--num-frames", "8", "--save-outputs", "-"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_GT(r.out.size(), 8u);
    EXPECT_EQ(r.out[8], '{');  // a safetensors header, nothing printed before it
    EXPECT_NE(r.err.find("wrote -"), std::string::npos) << r.err;

    r = run_cli({"classify", "--model", kModel.string(), kFrames.string(), "--out", "-", "--top-k", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["path"], kFrames.string());
}

TEST(OutputTargets, AFifoIsStreamedToAndALinkKept) {
    test::TempDir tmp;
    const fs::path fifo = tmp / "svg.pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string svg;
    std::thread reader([&] { svg = test::read_fifo(fifo); });
    auto r = run_cli({"timeline", "--model", kModel.string(), kVideo.string(), "--svg", fifo.string()});
    reader.join();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    EXPECT_TRUE(fs::is_fifo(fifo));

    fs::create_directory(tmp / "runs");
    fs::create_symlink("runs/latest.jsonl", tmp / "timeline.jsonl");
    r = run_cli({"timeline", "--model", kModel.string(), kVideo.string(), "--out", (tmp / "timeline.jsonl").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::is_symlink(tmp / "timeline.jsonl"));
    EXPECT_NE(test::read_bytes(tmp / "runs" / "latest.jsonl").find("\"segment\""), std::string::npos);
}

TEST(OutputTargets, AFolderIsRefusedInOneLine) {
    test::TempDir tmp;
    fs::create_directory(tmp / "here");
    const auto r = run_cli({"timeline", "--model", kModel.string(), kVideo.string(), "--svg", (tmp / "here").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find((tmp / "here").string() + ": is a folder"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_TRUE(fs::is_directory(tmp / "here"));
}

TEST(SharedFlags, EveryCommandTakesThreads) {
    const auto r = run_cli({"info", "--model", kModel.string(), "--threads", "2"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(SharedFlags, ABadCountSaysSoPlainly) {
    const auto r = run_cli({"classify", "--model", kModel.string(), kFrames.string(), "--top-k", "0"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("0 is below 1"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("1797693"), std::string::npos) << r.err;
}

TEST(SharedFlags, JsonIsOneDocumentForOneVideoOrMany) {
    auto r = run_cli({"classify", "--model", kModel.string(), kFrames.string(), "--json", "--top-k", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto one = nlohmann::json::parse(r.out);
    ASSERT_TRUE(one.is_array());
    EXPECT_EQ(one.size(), 2u);
    r = run_cli({"classify", "--model", kModel.string(), kFrames.string(), kVideo.string(), "--json", "--top-k", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto many = nlohmann::json::parse(r.out);  // one document, not JSON Lines
    ASSERT_TRUE(many.is_array());
    ASSERT_EQ(many.size(), 2u);
    EXPECT_EQ(many[0]["labels"][0]["label"], one[0]["label"]);
}

TEST(SharedFlags, PreprocessHelpSpeaksOfItsOutputsNotLogits) {
    const auto r = run_cli({"preprocess", "--help"});
    EXPECT_EQ(r.out.find("logits"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace vivid
