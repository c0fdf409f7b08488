// Outputs are never left half-written and never replace what is not a regular file: bytes for
// a regular file or a new path go to a temporary name beside it, are flushed to disk, and only
// then renamed over the final name; a symbolic link is followed (its target is written, the
// link stays); a FIFO, a character device (/dev/null, a terminal) or "-" (standard output) is
// written to directly, in order; anything else (a folder, a socket) is an Error.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace vivid {

// Writes `bytes` to `path` by the rule above. Throws vivid::Error naming the path.
void write_output_file(const std::filesystem::path& path, std::span<const std::byte> bytes);
void write_output_file(const std::filesystem::path& path, const std::string& text);
// The same for bytes held in several places, written one after another (no joined copy).
void write_output_file(const std::filesystem::path& path, std::span<const std::span<const std::byte>> pieces);
// The same for bytes made one piece at a time: `next` returns each piece (valid until it is
// called again) and nothing after the last, so a large output is never whole in memory.
using NextPiece = std::function<std::optional<std::span<const std::byte>>()>;
void write_output_file(const std::filesystem::path& path, const NextPiece& next);

// The path a chain of symbolic links ends at (`path` itself when it is no link; the end may
// not exist yet).
std::filesystem::path follow_links(const std::filesystem::path& path);

// Builds a whole output folder atomically: `fill` writes into a fresh temporary folder beside
// `dir`; on success the folder is fsynced and renamed to `dir`, on any exception it is removed.
// A non-empty existing `dir` is refused unless `replace`; a link to a folder is followed.
void build_directory_atomically(const std::filesystem::path& dir, bool replace,
                                const std::function<void(const std::filesystem::path&)>& fill);

}  // namespace vivid
