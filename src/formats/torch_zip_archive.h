// The zip container of torch.save (libzip does the parsing): one top folder <stem>/ holding
// data.pkl, data/<key> storages, version and (newer torch) byteorder.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/tensor.h"

struct zip;
struct zip_file;

namespace vivid {

// Bytes of one member: `size` bytes at `offset` in `storage` (the mapped file when the member
// is stored uncompressed, an owned buffer when it had to be inflated).
struct ZipMemberBytes {
    std::shared_ptr<Storage> storage;
    std::size_t offset = 0;
    std::size_t size = 0;
    const std::byte* data() const { return storage->data() + offset; }
};

// The most bytes one member may hold, and why (the reason is named in the error).
struct ZipMemberBound {
    uint64_t bytes = 0;
    std::string why;  // e.g. "vivid's limit for data.pkl"
};

class TorchZipArchive {
public:
    // Opens the mapped `file`; throws vivid::Error(path, ...) when it is not a valid zip with a
    // single top folder.
    TorchZipArchive(std::string path, std::shared_ptr<Storage> file);
    ~TorchZipArchive();
    TorchZipArchive(const TorchZipArchive&) = delete;
    TorchZipArchive& operator=(const TorchZipArchive&) = delete;

    const std::string& stem() const { return stem_; }
    // Member `<stem>/<name>`, or nullopt when absent. Throws before inflating anything when its
    // declared size is over `bound` or over what is left of the archive's inflation budget, and
    // while inflating when the stream runs past (or stops short of) its declared size.
    std::optional<ZipMemberBytes> member(const std::string& name, const ZipMemberBound& bound);

    struct MemorySource;  // libzip reads the mapping through it (see the .cpp)

private:
    void check_sizes_fit_the_file();
    uint64_t inflate_budget_left() const;
    ZipMemberBytes read_member(const std::string& name, int64_t index, std::size_t size,
                               bool stored);
    ZipMemberBytes inflate_member(const std::string& name, zip_file* f, std::size_t size,
                                  std::span<const std::byte> already_read);
    [[noreturn]] void fail(const std::string& problem) const;

    std::string path_;
    std::shared_ptr<Storage> file_;
    struct Discard {
        void operator()(zip* archive) const;
    };
    std::unique_ptr<MemorySource> source_;
    std::unique_ptr<zip, Discard> archive_;  // released even when the constructor throws
    std::string stem_;
    uint64_t inflated_ = 0;  // bytes inflated into owned buffers so far, against the budget
};

}  // namespace vivid
