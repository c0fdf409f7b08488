#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vivid/vivid.h"

namespace vivid {
namespace {

class MappedStorage final : public Storage {
public:
    MappedStorage(void* base, std::size_t size) : base_(base), size_(size) {}
    ~MappedStorage() override {
        if (base_ && size_) munmap(base_, size_);
    }
    std::byte* data() override { return static_cast<std::byte*>(base_); }
    std::size_t size() const override { return size_; }
    bool writable() const override { return false; }
    void release_pages(std::size_t offset, std::size_t bytes) override {
        const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        if (offset > size_ || bytes > size_ - offset) return;
        const std::size_t first = (offset + page - 1) / page * page, end = (offset + bytes) / page * page;
        if (end > first) ::madvise(static_cast<std::byte*>(base_) + first, end - first, MADV_DONTNEED);
    }

private:
    void* base_;
    std::size_t size_;
};

}  // namespace

std::shared_ptr<Storage> map_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        throw Error(path, std::string("cannot stat: ") + std::strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw Error(path, "is a directory, expected a file");
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* base = nullptr;
    if (size > 0) {
        base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (base == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            throw Error(path, std::string("cannot map: ") + std::strerror(e));
        }
    }
    ::close(fd);
    return std::make_shared<MappedStorage>(base, size);
}

}  // namespace vivid
