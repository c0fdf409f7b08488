// `vivid classify` over a folder: JSON Lines records, bad videos recorded and passed over,
// shards that split the work exactly, and a killed run resumed without redoing anything.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

const fs::path kCase = test::conformance_dir() / "videomae_tiny_finetuned";

// 50 clips in nested folders, 3 of them unreadable.
struct ClipFolder {
    test::TempDir dir;
    std::vector<std::string> corrupt;
    ClipFolder() {
        const std::string clip = test::read_bytes(kCase / "video.npy");
        for (int i = 0; i < 50; ++i) {
            const fs::path sub = dir.path() / ("part" + std::to_string(i % 4));
            fs::create_directories(sub);
            const fs::path path = sub / ("clip" + std::to_string(i) + (i % 10 == 7 ? ".mp4" : ".npy"));
            if (i == 7 || i == 27) test::write_bytes(path, "this is not a video");
            else if (i == 33) test::write_bytes(path, clip.substr(0, clip.size() / 2));  // truncated array
            else test::write_bytes(path, clip);
            if (i == 7 || i == 27 || i == 33) corrupt.push_back(path.string());
        }
        test::write_bytes(dir.path() / "README.txt", "not a video");
    }
};

std::vector<nlohmann::json> records(const fs::path& jsonl) {
    std::vector<nlohmann::json> out;
    std::istringstream in(test::read_bytes(jsonl));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

std::vector<std::string> classify_args(const ClipFolder& f, const fs::path& out) {
    return {"classify", "--model", (kCase / "expected").string(), f.dir.path().string(), "--out", out.string(), "--top-k", "2"};
}

TEST(ClassifyBatch, TwoShardsRecordEveryClipExactlyOnce) {
    ClipFolder f;
    test::TempDir out;
    std::map<std::string, int> seen;
    for (const char* shard : {"0/2", "1/2"}) {
        auto args = classify_args(f, out / (std::string("shard") + shard[0] + ".jsonl"));
        args.insert(args.end(), {"--shard", shard});
        const auto r = run_cli(args);
        EXPECT_TRUE(r.out.empty()) << r.out;  // with --out, stdout stays clean
        bool any_bad = false;
        for (const auto& rec : records(out / (std::string("shard") + shard[0] + ".jsonl"))) {
            const std::string path = rec.at("path");
            ++seen[path];
            const bool bad = std::find(f.corrupt.begin(), f.corrupt.end(), path) != f.corrupt.end();
            EXPECT_EQ(rec.contains("error"), bad) << rec.dump();
            any_bad |= bad;
            if (bad) {
                EXPECT_NE(rec["error"].get<std::string>().find(path), std::string::npos) << rec.dump();
            } else {
                EXPECT_EQ(rec.at("labels").size(), 2u);
                EXPECT_EQ(rec.at("frames"), 8);
                EXPECT_GE(rec.at("decode_ms").get<double>(), 0.0);
            }
        }
        EXPECT_EQ(r.exit_code, any_bad ? 1 : 0) << r.err;  // 1: the run finished, some videos failed
    }
    EXPECT_EQ(seen.size(), 50u);
    for (const auto& [path, n] : seen) EXPECT_EQ(n, 1) << path;
}

TEST(ClassifyBatch, TheLabelsAreTheOneVideoAnswer) {
    const auto one = run_cli({"classify", "--model", (kCase / "expected").string(), (kCase / "video.npy").string(),
                              "--json", "--top-k", "2"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    const auto many = run_cli({"classify", "--model", (kCase / "expected").string(), (kCase / "video.npy").string(),
                               (kCase / "video.npy").string(), "--jsonl", "--top-k", "2"});
    ASSERT_EQ(many.exit_code, 0) << many.err;
    const auto want = nlohmann::json::parse(one.out);
    std::istringstream lines(many.out);
    std::string line;
    ASSERT_TRUE(std::getline(lines, line));
    const auto rec = nlohmann::json::parse(line);
    for (int k = 0; k < 2; ++k) {
        EXPECT_EQ(rec["labels"][k]["label"], want[k]["label"]);
        EXPECT_EQ(rec["labels"][k]["score"], want[k]["score"]);
    }
}

TEST(ClassifyBatch, AKilledRunResumesWithOnlyTheUnrecordedClips) {
    ClipFolder f;
    test::TempDir out;
    const fs::path full = out / "full.jsonl", partial = out / "partial.jsonl";
    ASSERT_EQ(run_cli(classify_args(f, full)).exit_code, 1);
    // What a kill after 20 records leaves: 20 whole lines and half of the 21st.
    std::istringstream in(test::read_bytes(full));
    std::string kept, line;
    for (int i = 0; i < 20 && std::getline(in, line); ++i) kept += line + "\n";
    std::getline(in, line);
    test::write_bytes(partial, kept + line.substr(0, line.size() / 2));
    const auto r = run_cli([&] {
        auto a = classify_args(f, partial);
        a.push_back("--resume");
        return a;
    }());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("20 videos already recorded"), std::string::npos) << r.err;
    const std::string resumed = test::read_bytes(partial);
    EXPECT_EQ(resumed.substr(0, kept.size()), kept);  // the recorded 20 untouched
    std::map<std::string, int> seen;
    for (const auto& rec : records(partial)) ++seen[rec.at("path")];  // every line parses: the cut one is gone
    EXPECT_EQ(seen.size(), 50u);
    for (const auto& [path, n] : seen) EXPECT_EQ(n, 1) << path;
    // Resuming a finished run does nothing.
    const auto again = run_cli([&] {
        auto a = classify_args(f, partial);
        a.push_back("--resume");
        return a;
    }());
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(test::read_bytes(partial), resumed);
}

TEST(ClassifyBatch, ARunKilledForRealResumesWithEveryClipOnce) {
    ClipFolder f;
    test::TempDir out;
    const fs::path jsonl = out / "killed.jsonl";
    auto args = classify_args(f, jsonl);
    args.insert(args.end(), {"--prefetch", "0", "--threads", "1"});
    const int pid = test::start_cli(args);
    // SIGKILL once about ten records are out: no handler runs, whatever was in flight is lost.
    for (int waited = 0; waited < 60000; ++waited) {
        std::error_code ec;
        const std::string text = fs::exists(jsonl, ec) ? test::read_bytes(jsonl) : "";
        if (std::count(text.begin(), text.end(), '\n') >= 10) break;
        ::usleep(1000);
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
    const std::string before = test::read_bytes(jsonl);
    const std::string whole = before.substr(0, before.rfind('\n') + 1);  // the records that made it
    args.push_back("--resume");
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the corrupt clips
    const std::string after = test::read_bytes(jsonl);
    EXPECT_EQ(after.substr(0, whole.size()), whole);
    std::map<std::string, int> seen;
    for (const auto& rec : records(jsonl)) ++seen[rec.at("path")];
    EXPECT_EQ(seen.size(), 50u);
    for (const auto& [path, n] : seen) EXPECT_EQ(n, 1) << path;
}

TEST(ClassifyBatch, TheSchedulersEnvironmentPicksTheShard) {
    ClipFolder f;
    test::TempDir out;
    ::setenv("SLURM_ARRAY_TASK_ID", "4", 1);
    ::setenv("SLURM_ARRAY_TASK_MIN", "3", 1);  // an array numbered 3..6: task 4 is part 1
    ::setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
    const auto slurm = run_cli(classify_args(f, out / "slurm.jsonl"));
    ::unsetenv("SLURM_ARRAY_TASK_ID");
    ::unsetenv("SLURM_ARRAY_TASK_MIN");
    ::unsetenv("SLURM_ARRAY_TASK_COUNT");
    auto explicit_args = classify_args(f, out / "explicit.jsonl");
    explicit_args.insert(explicit_args.end(), {"--shard", "1/4"});
    const auto direct = run_cli(explicit_args);
    ::setenv("JOB_COMPLETION_INDEX", "1", 1);
    auto k8s_args = classify_args(f, out / "k8s.jsonl");
    k8s_args.insert(k8s_args.end(), {"--shard-count", "4"});
    const auto k8s = run_cli(k8s_args);
    ::unsetenv("JOB_COMPLETION_INDEX");
    auto paths = [&](const char* name) {
        std::vector<std::string> p;
        for (const auto& rec : records(out / name)) p.push_back(rec.at("path"));
        return p;
    };
    EXPECT_EQ(paths("slurm.jsonl").size(), 13u);  // positions 1, 5, ..., 49 of 50
    EXPECT_EQ(paths("slurm.jsonl"), paths("explicit.jsonl"));
    EXPECT_EQ(paths("k8s.jsonl"), paths("explicit.jsonl"));
    const auto bad = run_cli({"classify", "--model", (kCase / "expected").string(), f.dir.path().string(), "--shard", "4/4"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--shard"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace vivid
