// An upload to `POST /v1/classify`, from its headers to a private temporary file. The body is
// the video's bytes whatever its content type, or the multipart field `video`; it is written to
// the file as it arrives (never held in memory), capped at the limit whether it has a
// Content-Length or comes in chunks. What can be refused from the headers is, before any byte of
// the body is read.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace vivid::cli {

struct Refusal {
    int status;
    std::string error;
};

// 413 for a Content-Length over `max_bytes`, 400 for no body (no Content-Length and no
// chunks: HTTP/1.1 has no "until the client closes" for requests) or a length that is not a
// number; nullopt when the body may be read.
std::optional<Refusal> refuse_from_headers(const httplib::Request& req, std::uint64_t max_bytes);

// The upload in a private temporary file (mkstemp in $TMPDIR), removed when this goes.
class UploadFile {
public:
    UploadFile();
    ~UploadFile();
    UploadFile(const UploadFile&) = delete;
    UploadFile& operator=(const UploadFile&) = delete;
    const std::string& path() const { return path_; }
    // Reads the body into the file; a Refusal (413 over `max_bytes`, 408 too slow, 400 not
    // well-formed or no video, 500 the disk) when it cannot.
    std::optional<Refusal> receive(const httplib::Request& req, const httplib::ContentReader& reader,
                                   std::uint64_t max_bytes);

private:
    bool append(const char* data, std::size_t size);
    int fd_ = -1;
    std::string path_;
};

}  // namespace vivid::cli
