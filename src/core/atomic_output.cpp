#include "core/atomic_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "vivid/vivid.h"

namespace vivid {
namespace fs = std::filesystem;

namespace {

std::string random_suffix() {
    std::random_device rd;
    return std::to_string(::getpid()) + "." + std::to_string(rd());
}

void fsync_path(const fs::path& path, int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return;  // best effort: some filesystems refuse directory fds
    ::fsync(fd);
    ::close(fd);
}

// Swaps two paths in one step (Linux renameat2 RENAME_EXCHANGE); false where unsupported.
bool exchange_paths(const fs::path& a, const fs::path& b) {
    return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
}

// ".NAME<kind>RANDOM": a hidden name beside `dir`. Appended piece by piece: GCC 12 reports a
// false -Wrestrict on "literal" + std::string here (GCC bug 105651).
std::string hidden_name(const fs::path& dir, const char* kind) {
    std::string name = ".";
    name += dir.filename().string();
    name += kind;
    name += random_suffix();
    return name;
}

}  // namespace

void write_output_file(const fs::path& path, std::span<const std::byte> bytes) {
    const std::span<const std::byte> pieces[] = {bytes};
    write_output_file(path, pieces);
}

namespace {

// Writes every piece to an open descriptor, in order; false with errno set on failure.
bool write_all(int fd, const NextPiece& next) {
    while (const std::optional<std::span<const std::byte>> piece = next()) {
        const std::span<const std::byte> bytes = *piece;
        std::size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return false;
            done += static_cast<std::size_t>(n);
        }
    }
    return true;
}

// A stream (standard output, a FIFO, a terminal, /dev/null): written to in place, never
// replaced; renaming a file over /dev/null would turn it into a regular file.
void write_stream(const fs::path& shown, int fd, const NextPiece& pieces) {
    if (!write_all(fd, pieces)) throw Error(shown.string(), std::string("cannot write: ") + std::strerror(errno));
}

void write_atomically(const fs::path& path, const NextPiece& pieces) {
    const fs::path tmp = path.parent_path() / hidden_name(path, ".tmp.");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(path.string(), std::string("cannot create: ") + std::strerror(errno));
    bool written = false;
    try {
        written = write_all(fd, pieces);
    } catch (...) {  // a piece that could not be made: nothing half-written stays
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (!written) {
        int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(path.string(), std::string("cannot write: ") + std::strerror(e));
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw Error(path.string(), std::string("cannot flush: ") + std::strerror(e));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw Error(path.string(), std::string("cannot rename into place: ") + std::strerror(e));
    }
    fsync_path(path.parent_path().empty() ? fs::path(".") : path.parent_path(), O_RDONLY);
}

// "-", /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: this process's own descriptor N,
// written through (sharing its offset) even when it is a regular file the shell opened; -1 otherwise.
int own_descriptor(const fs::path& path) {
    const std::string p = path.lexically_normal().string();
    if (p == "-" || p == "/dev/stdout") return STDOUT_FILENO;
    if (p == "/dev/stderr") return STDERR_FILENO;
    for (const std::string prefix : {"/dev/fd/", "/proc/self/fd/"}) {
        if (p.rfind(prefix, 0) != 0 || p.size() == prefix.size() || p.size() > prefix.size() + 9) continue;
        const std::string digits = p.substr(prefix.size());
        if (digits.find_first_not_of("0123456789") == std::string::npos) return std::stoi(digits);
    }
    return -1;
}

}  // namespace

fs::path follow_links(const fs::path& path) {
    fs::path p = path;
    for (int hops = 0; hops < 40; ++hops) {  // 40: the kernel's own limit (ELOOP)
        std::error_code ec;
        if (!fs::is_symlink(fs::symlink_status(p, ec))) return p;
        const fs::path target = fs::read_symlink(p, ec);
        if (ec) throw Error(path.string(), "cannot read the symbolic link: " + ec.message());
        p = target.is_absolute() ? target : p.parent_path() / target;
    }
    throw Error(path.string(), "too many levels of symbolic links");
}

void write_output_file(const fs::path& path, std::span<const std::span<const std::byte>> pieces) {
    std::size_t i = 0;
    write_output_file(path, NextPiece([&]() -> std::optional<std::span<const std::byte>> {
        if (i == pieces.size()) return std::nullopt;
        return pieces[i++];
    }));
}

void write_output_file(const fs::path& path, const NextPiece& pieces) {
    if (const int fd = own_descriptor(path); fd >= 0) {
        if (fd == STDOUT_FILENO) std::fflush(stdout);  // what the caller printed before comes first
        return write_stream(path == "-" ? fs::path("standard output") : path, fd, pieces);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
        // Opened through the link, if any: a link to a FIFO stays a link to it.
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) throw Error(path.string(), std::string("cannot open for writing: ") + std::strerror(errno));
        bool written = false;
        try {
            written = write_all(fd, pieces);
        } catch (...) {
            ::close(fd);
            throw;
        }
        const int e = errno;
        ::close(fd);
        if (!written) throw Error(path.string(), std::string("cannot write: ") + std::strerror(e));
        return;
    }
    const fs::path target = follow_links(path);  // a link stays a link: its target gets the new bytes
    std::error_code ec;
    const fs::file_status status = fs::status(target, ec);
    if (fs::exists(status) && !fs::is_regular_file(status))
        throw Error(path.string(), fs::is_directory(status) ? "is a folder, not a file"
                                                            : "is not a regular file, FIFO or character device; "
                                                              "refusing to replace it");
    write_atomically(target, pieces);
}

void write_output_file(const fs::path& path, const std::string& text) {
    write_output_file(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void build_directory_atomically(const fs::path& given, bool replace,
                                const std::function<void(const fs::path&)>& fill) {
    if (given == "-") throw Error("-", "a model folder cannot be written to standard output; give a folder path");
    const fs::path dir = follow_links(given);  // a link to a folder stays; the folder it names is replaced
    std::error_code ec;
    const bool exists = fs::exists(dir, ec);
    if (exists) {
        if (!fs::is_directory(dir, ec)) throw Error(dir.string(), "exists and is not a directory");
        if (!fs::is_empty(dir, ec) && !replace)
            throw Error(dir.string(), "exists and is not empty (replacing it was not asked for)");
    }
    fs::path parent = dir.parent_path();
    if (parent.empty()) parent = ".";
    if (!fs::is_directory(parent, ec)) throw Error(dir.string(), "parent folder does not exist");
    const fs::path tmp = parent / hidden_name(dir, ".tmp.");
    if (!fs::create_directory(tmp, ec))
        throw Error(dir.string(), "cannot create a temporary folder beside it: " + ec.message());
    try {
        fill(tmp);
        for (const auto& entry : fs::directory_iterator(tmp)) fsync_path(entry.path(), O_RDONLY);
        fsync_path(tmp, O_RDONLY);
        if (exists && exchange_paths(tmp, dir)) {
            // One atomic swap: a kill at any moment leaves the old folder or the new one at `dir`.
            fs::remove_all(tmp, ec);
        } else if (exists) {
            // Filesystems without RENAME_EXCHANGE: the old folder moves aside first, so a failure
            // leaves it there (a kill between the two renames leaves `dir` briefly absent).
            const fs::path old = parent / hidden_name(dir, ".old.");
            fs::rename(dir, old);
            fs::rename(tmp, dir);
            fs::remove_all(old, ec);
        } else {
            fs::rename(tmp, dir);
        }
        fsync_path(parent, O_RDONLY);
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
}

}  // namespace vivid
