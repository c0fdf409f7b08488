#include "video/mp4_sample_claims.h"

#include <cstdint>
#include <string_view>

#include "vivid/vivid.h"

namespace vivid::video {
namespace {

uint32_t be32(std::span<const std::byte> b, std::size_t at) {
    uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<uint32_t>(b[at + i]);
    return v;
}

uint64_t be64(std::span<const std::byte> b, std::size_t at) {
    return (uint64_t{be32(b, at)} << 32) | be32(b, at + 4);
}

// The boxes on the way from the top level to 'stsz' (sample tables live in moov/trak/mdia/minf/stbl).
bool descends(std::string_view type) {
    return type == "moov" || type == "trak" || type == "mdia" || type == "minf" || type == "stbl";
}

void walk(const std::string& path, std::span<const std::byte> boxes, uint64_t file_size, int depth) {
    std::size_t at = 0;
    while (boxes.size() - at >= 8) {
        uint64_t size = be32(boxes, at);
        const std::string_view type(reinterpret_cast<const char*>(boxes.data() + at + 4), 4);
        std::size_t header = 8;
        if (size == 1) {
            if (boxes.size() - at < 16) return;
            size = be64(boxes, at + 8);
            header = 16;
        } else if (size == 0) {
            size = boxes.size() - at;  // runs to the end
        }
        if (size < header || size > boxes.size() - at) return;  // not ours to judge
        const auto body = boxes.subspan(at + header, static_cast<std::size_t>(size) - header);
        if (type == "stsz" && body.size() >= 12) {
            const uint64_t sample_size = be32(body, 4);
            const uint64_t count = be32(body, 8);
            // With sample_size 0 the table itself (4 bytes a sample) must be in the file, and
            // FFmpeg reads it before allocating; a constant size proves nothing.
            if (sample_size != 0 && count * sample_size > file_size)
                throw Error(path, "its sample table claims " + std::to_string(count) + " samples of " +
                                      std::to_string(sample_size) + " bytes, more than the file's " +
                                      std::to_string(file_size) + " bytes");
        } else if (descends(type) && depth < 8) {
            walk(path, body, file_size, depth + 1);
        }
        at += static_cast<std::size_t>(size);
    }
}

}  // namespace

void check_mp4_sample_claims(const std::string& path, std::span<const std::byte> file) {
    if (file.size() < 8) return;
    const std::string_view first(reinterpret_cast<const char*>(file.data() + 4), 4);
    if (first != "ftyp" && first != "moov" && first != "mdat" && first != "free" && first != "wide")
        return;
    walk(path, file, file.size(), 0);
}

}  // namespace vivid::video
