#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "test_support.h"
#include "vivid/vivid.h"

namespace vivid::test {

std::filesystem::path data_dir() { return VIVID_TEST_DATA_DIR; }
std::filesystem::path conformance_dir() { return VIVID_CONFORMANCE_DIR; }
std::filesystem::path source_dir() { return VIVID_SOURCE_DIR; }
std::filesystem::path cli_path() { return VIVID_CLI_PATH; }

TempDir::TempDir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = std::filesystem::temp_directory_path() /
                         ("vivid_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
        if (std::filesystem::create_directory(candidate)) {
            path_ = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temp dir");
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

static std::string slurp_fd(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

int start_cli(const std::vector<std::string>& args) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        std::vector<std::string> argv_storage{cli_path().string()};
        argv_storage.insert(argv_storage.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_storage) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

CommandResult run_cli(const std::vector<std::string>& args, const CliLimits& limits) {
    TempDir tmp;
    const auto out_path = tmp / "stdout";
    const auto err_path = tmp / "stderr";
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = ::open("/dev/null", O_RDONLY);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::dup2(in, 0);
        if (limits.file_size_bytes >= 0) {
            // A full disk, as the program sees it: write() fails with EFBIG past the limit.
            ::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{static_cast<rlim_t>(limits.file_size_bytes), static_cast<rlim_t>(limits.file_size_bytes)};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        }
        std::vector<std::string> argv_storage;
        argv_storage.push_back(cli_path().string());
        for (const auto& a : args) argv_storage.push_back(a);
        std::vector<char*> argv;
        for (auto& a : argv_storage) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int fd = ::open(out_path.c_str(), O_RDONLY);
    r.out = slurp_fd(fd);
    ::close(fd);
    fd = ::open(err_path.c_str(), O_RDONLY);
    r.err = slurp_fd(fd);
    ::close(fd);
    return r;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string read_fifo(const std::filesystem::path& fifo, double seconds) {
    // Opened without blocking, so a writer that never comes (a FIFO renamed over) ends in time.
    const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return {};
    std::string got;
    bool writer_seen = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        char buf[65536];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            got.append(buf, static_cast<std::size_t>(n));
            writer_seen = true;
        } else if (n == 0 && writer_seen) {
            break;  // the writer closed
        } else if (n == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no writer yet: POLLHUP at once
        }
    }
    ::close(fd);
    return got;
}

uint64_t fnv1a64(std::string_view data) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char b : data) h = (h ^ b) * 0x100000001b3ull;
    return h;
}

std::vector<float> random_normal(std::size_t n, unsigned seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

std::string error_message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace vivid::test
