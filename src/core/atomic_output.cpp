#include "core/atomic_output.h"

#include <fcntl.h>
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

void write_file_atomically(const fs::path& path, std::span<const std::byte> bytes) {
    const std::span<const std::byte> pieces[] = {bytes};
    write_file_atomically(path, pieces);
}

void write_file_atomically(const fs::path& path, std::span<const std::span<const std::byte>> pieces) {
    const fs::path tmp = path.parent_path() / hidden_name(path, ".tmp.");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(path.string(), std::string("cannot create: ") + std::strerror(errno));
    for (const auto& bytes : pieces) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                int e = errno;
                ::close(fd);
                ::unlink(tmp.c_str());
                throw Error(path.string(), std::string("cannot write: ") + std::strerror(e));
            }
            done += static_cast<std::size_t>(n);
        }
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

void write_file_atomically(const fs::path& path, const std::string& text) {
    write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void build_directory_atomically(const fs::path& dir, bool replace,
                                const std::function<void(const fs::path&)>& fill) {
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
