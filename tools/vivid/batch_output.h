// What a batch run needs around the library: which shard this process takes (flags or the
// scheduler's environment), the JSON Lines file it appends to and resumes from, and a
// progress bar on a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "vivid/vivid.h"

namespace vivid::cli {

// --shard I/N; else SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT;
// else JOB_COMPLETION_INDEX of --shard-count N; else the whole list.
Shard choose_shard(const std::string& shard_flag, int shard_count);

// The --out file: records already there (for --resume) and appending, one flushed line at a
// time. A last line cut short by a killed run is dropped before anything is appended. "-" is
// standard output; a FIFO or device is appended to as it is (it holds nothing to resume).
class RecordFile {
public:
    // Empty path: no file. On resume, `check` sees every complete record already there first
    // (and throws to refuse a run whose settings differ from theirs).
    using Check = std::function<void(const nlohmann::json& record)>;
    RecordFile(const std::string& path, bool resume, const Check& check = {});
    ~RecordFile();
    RecordFile(const RecordFile&) = delete;
    RecordFile& operator=(const RecordFile&) = delete;
    bool has(const std::string& video) const { return recorded_.count(video) != 0; }
    void append(const std::string& line);

private:
    std::string path_;
    std::FILE* file_ = nullptr;
    std::set<std::string> recorded_;
};

// done/total, failed, videos/s, the windows of a long video and time left, redrawn on stderr
// when it is a terminal (progress_line.h).
class Progress {
public:
    // `verb` says what was done to each video in the closing line ("classified").
    Progress(int64_t total, int64_t skipped, const char* verb = "classified");
    void step(bool failed);
    void windows(int64_t done, int64_t expected);  // of the video at hand (WindowOptions::on_progress)
    void note(const std::string& line);  // a message line, printed above the bar
    void finish();

private:
    void draw();
    const char* verb_;
    bool terminal_;
    int64_t total_, skipped_, done_ = 0, failed_ = 0;
    int64_t windows_done_ = 0, windows_expected_ = 0;
    std::chrono::steady_clock::time_point start_, drawn_;
};

}  // namespace vivid::cli
