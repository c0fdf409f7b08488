#include "serve_upload.h"

#include <strings.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "serve_connection.h"
#include "vivid/vivid.h"

namespace vivid::cli {
namespace {

const char* const kNoVideo = "no video: send its bytes as the body or a multipart field 'video'";
constexpr int kMaxParts = 16;  // a form with the video and a few other fields, not thousands

bool is_chunked(const httplib::Request& req) {
    return ::strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") == 0;
}

}  // namespace

std::optional<Refusal> refuse_from_headers(const httplib::Request& req, std::uint64_t max_bytes) {
    if (is_chunked(req)) return std::nullopt;
    if (!req.has_header("Content-Length")) return Refusal{400, kNoVideo};
    const std::string& text = req.get_header_value("Content-Length");
    std::uint64_t length = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (error == std::errc::result_out_of_range) return Refusal{413, "the upload is over the limit"};
    if (error != std::errc() || end != text.data() + text.size())
        return Refusal{400, "Content-Length is not a number: " + text};
    if (length == 0) return Refusal{400, kNoVideo};
    if (length > max_bytes) return Refusal{413, "the upload is over the limit"};
    return std::nullopt;
}

UploadFile::UploadFile() {
    const std::string dir = std::filesystem::temp_directory_path().string();
    std::string pattern = dir + "/vivid-upload-XXXXXX";
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) throw Error(dir, "cannot create a temporary file for the upload");
    path_ = pattern;
}

UploadFile::~UploadFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
}

bool UploadFile::append(const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

std::optional<Refusal> UploadFile::receive(const httplib::Request& req, const httplib::ContentReader& reader,
                                           std::uint64_t max_bytes) {
    std::uint64_t received = 0, kept = 0;  // every part's bytes count against the limit
    bool over = false, unwritable = false, in_video = false, had_video = false;
    int parts = 0;
    auto take = [&](const char* data, std::size_t size) {
        received += size;
        over = received > max_bytes;
        if (over || !in_video) return !over;
        kept += size;
        unwritable = !append(data, size);
        return !unwritable;
    };
    bool read = false;
    if (req.is_multipart_form_data()) {
        auto part = [&](const httplib::MultipartFormData& field) {
            in_video = field.name == "video" && !had_video;  // the first field of that name
            had_video = had_video || in_video;
            return ++parts <= kMaxParts;
        };
        read = reader(part, take);
    } else {
        in_video = true;
        read = reader(take);
    }
    if (over) return Refusal{413, "the upload is over the limit"};
    if (unwritable) return Refusal{500, "cannot write the upload to " + path_};
    if (ConnectionServer::timed_out()) return Refusal{408, "the upload did not arrive in time"};
    if (!read) return Refusal{400, "the body is not well-formed (chunks or multipart)"};
    if (kept == 0) return Refusal{400, kNoVideo};
    return std::nullopt;
}

}  // namespace vivid::cli
