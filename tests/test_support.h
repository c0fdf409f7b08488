// Paths and small helpers shared by the tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vivid::test {

std::filesystem::path data_dir();         // tests/data
std::filesystem::path conformance_dir();  // tests/conformance/cases
std::filesystem::path source_dir();       // the repository root
std::filesystem::path cli_path();         // the built `vivid` binary

// A fresh empty directory under the system temp dir, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

struct CommandResult {
    int exit_code = 0;
    std::string out;  // stdout
    std::string err;  // stderr
};
// Limits set in the child before it runs the CLI (negative: none).
struct CliLimits {
    long long file_size_bytes = -1;  // RLIMIT_FSIZE, with SIGXFSZ ignored: writes past it fail (EFBIG)
};
// Runs the vivid CLI with `args` (no shell involved in quoting: each arg is passed as is).
CommandResult run_cli(const std::vector<std::string>& args, const CliLimits& limits = {});
// Starts the CLI without waiting (output to /dev/null); the caller kills and reaps it.
int start_cli(const std::vector<std::string>& args);

void write_bytes(const std::filesystem::path& path, const std::string& bytes);
// FNV-1a 64 of `data`: the hash the golden-data scripts under tests/data/ also compute.
uint64_t fnv1a64(std::string_view data);
std::string read_bytes(const std::filesystem::path& path);
// What writers send into `fifo` until the first one closes it, or until `seconds` pass (a
// writer that never opens it does not hang the test).
std::string read_fifo(const std::filesystem::path& fifo, double seconds = 20);
// n values from a normal(0, scale) generator seeded with `seed` (the same on every machine).
std::vector<float> random_normal(std::size_t n, unsigned seed, float scale = 1.0f);
// The message of the vivid::Error that f throws, or "(no error)".
std::string error_message_of(const std::function<void()>& f);

}  // namespace vivid::test
