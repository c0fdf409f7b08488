// Outputs are never left half-written: bytes go to a temporary name beside the target,
// are flushed to disk, and only then renamed over the final name.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>

namespace vivid {

// Writes `bytes` to `path` atomically (temp file + fsync + rename). Throws vivid::Error.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);
void write_file_atomically(const std::filesystem::path& path, const std::string& text);
// The same for bytes held in several places, written one after another (no joined copy).
void write_file_atomically(const std::filesystem::path& path, std::span<const std::span<const std::byte>> pieces);

// Builds a whole output folder atomically: `fill` writes into a fresh temporary folder beside
// `dir`; on success the folder is fsynced and renamed to `dir`, on any exception it is removed.
// A non-empty existing `dir` is refused unless `replace`.
void build_directory_atomically(const std::filesystem::path& dir, bool replace,
                                const std::function<void(const std::filesystem::path&)>& fill);

}  // namespace vivid
