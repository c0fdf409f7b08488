// Small pieces the fuzz targets share: the input as a temporary file (for parsers that read a
// path) and a read of every byte of a view (so ASan checks the bounds a parser handed out).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace vivid::fuzz {

class TempFile {
public:
    // `suffix` matters where the reader looks at the name (".npy").
    TempFile(const uint8_t* data, std::size_t size, const std::string& suffix = "") {
        std::string pattern = "/tmp/vivid_fuzz_XXXXXX" + suffix;
        const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
        if (fd < 0) return;
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = write(fd, data + done, size - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        close(fd);
        path_ = pattern;
        complete_ = done == size;
    }
    ~TempFile() {
        if (!path_.empty()) unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    bool ok() const { return complete_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    bool complete_ = false;
};

inline void read_every_byte(const std::byte* p, std::size_t n) {
    unsigned sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += std::to_integer<unsigned>(p[i]);
    volatile unsigned sink = sum;
    (void)sink;
}

}  // namespace vivid::fuzz
