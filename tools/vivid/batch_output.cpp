#include "batch_output.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "progress_line.h"

namespace vivid::cli {
namespace {

const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

int env_int(const char* name) {
    const char* v = env(name);
    try {
        std::size_t used = 0;
        const int n = std::stoi(v, &used);
        if (v[used] == '\0') return n;
    } catch (const std::exception&) {
    }
    throw Error(name, std::string("'") + v + "' is not an integer");
}

}  // namespace

Shard choose_shard(const std::string& shard_flag, int shard_count) {
    if (!shard_flag.empty()) return parse_shard(shard_flag, "--shard");
    if (shard_count > 0) {
        if (!env("JOB_COMPLETION_INDEX"))
            throw Error("--shard-count", "needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) to pick the part");
        return parse_shard(std::to_string(env_int("JOB_COMPLETION_INDEX")) + "/" + std::to_string(shard_count),
                           "JOB_COMPLETION_INDEX");
    }
    if (env("SLURM_ARRAY_TASK_ID")) {
        if (!env("SLURM_ARRAY_TASK_COUNT"))
            throw Error("SLURM_ARRAY_TASK_ID", "is set but SLURM_ARRAY_TASK_COUNT is not");
        const int first = env("SLURM_ARRAY_TASK_MIN") ? env_int("SLURM_ARRAY_TASK_MIN") : 0;
        return parse_shard(std::to_string(env_int("SLURM_ARRAY_TASK_ID") - first) + "/" +
                               std::to_string(env_int("SLURM_ARRAY_TASK_COUNT")),
                           "SLURM_ARRAY_TASK_ID");
    }
    return {};
}

RecordFile::RecordFile(const std::string& path, bool resume, const Check& check) : path_(path) {
    if (path.empty()) return;
    if (path == "-") {  // standard output: records as they are made, nothing to resume from
        if (resume) throw Error("-", "standard output holds no records to resume from; give a file");
        file_ = stdout;
        return;
    }
    std::error_code ec;
    // Only a regular file holds earlier records; a FIFO or /dev/null is appended to as it is.
    if (resume && std::filesystem::is_regular_file(path, ec)) {
        std::ifstream in(path, std::ios::binary);
        std::string line;
        std::uintmax_t good_end = 0, offset = 0;
        while (std::getline(in, line)) {
            const bool complete = !in.eof();  // a line without its newline was cut by a kill
            offset += line.size() + (complete ? 1 : 0);
            if (!complete) break;
            const auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("path") && j["path"].is_string()) {
                if (check) check(j);
                recorded_.insert(j["path"].get<std::string>());
            }
            good_end = offset;
        }
        in.close();
        if (good_end < std::filesystem::file_size(path, ec)) std::filesystem::resize_file(path, good_end, ec);
        if (ec) throw Error(path, "cannot drop the unfinished last record: " + ec.message());
    }
    file_ = std::fopen(path.c_str(), resume ? "a" : "w");
    if (!file_) throw Error(path, "cannot be opened for writing");
}

RecordFile::~RecordFile() {
    if (file_ && file_ != stdout) std::fclose(file_);
}

void RecordFile::append(const std::string& line) {
    if (!file_) return;
    if (std::fprintf(file_, "%s\n", line.c_str()) < 0 || std::fflush(file_) != 0)
        throw Error(path_, "cannot be written (disk full?)");
}

Progress::Progress(int64_t total, int64_t skipped, const char* verb)
    : verb_(verb), terminal_(isatty(STDERR_FILENO) != 0), total_(total), skipped_(skipped),
      start_(std::chrono::steady_clock::now()) {
    if (skipped_ > 0) note("vivid: resuming: " + std::to_string(skipped_) + " videos already recorded");
    draw();
}

void Progress::step(bool failed) {
    ++done_;
    failed_ += failed;
    windows_done_ = windows_expected_ = 0;
    draw();
}

void Progress::windows(int64_t done, int64_t expected) {
    windows_done_ = done;
    windows_expected_ = expected;
    if (std::chrono::steady_clock::now() - drawn_ >= std::chrono::milliseconds(100)) draw();
}

void Progress::note(const std::string& line) {
    std::fprintf(stderr, "%s%s\n", terminal_ ? "\r\033[K" : "", line.c_str());
    draw();
}

void Progress::draw() {
    if (!terminal_) return;
    drawn_ = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(drawn_ - start_).count();
    std::fprintf(stderr, "\r\033[K%s",
                 progress_line({done_, total_, failed_, windows_done_, windows_expected_, seconds}).c_str());
    std::fflush(stderr);
}

void Progress::finish() {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (terminal_) std::fprintf(stderr, "\n");
    std::fprintf(stderr, "vivid: %lld videos %s, %lld failed, in %.1f s (%.2f videos/s)\n",
                 static_cast<long long>(done_ - failed_), verb_, static_cast<long long>(failed_), seconds,
                 seconds > 0 ? static_cast<double>(done_) / seconds : 0.0);
}

}  // namespace vivid::cli
