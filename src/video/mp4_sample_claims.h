// What an ISO BMFF (mp4/mov) file's sample tables claim, checked against the file's size
// before FFmpeg reads them.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace vivid::video {

// FFmpeg's mov demuxer gives every sample a 24-byte index entry inside avformat_open_input. A
// constant-size 'stsz' box claims any number of samples in 20 bytes (a 3 KB mp4 claiming 80M
// samples cost 1.9 GB there), so each claim must fit: every sample takes at least one byte of
// the file. Throws vivid::Error(path, ...) on a claim that does not; anything that is not a
// readable box tree is left to FFmpeg.
void check_mp4_sample_claims(const std::string& path, std::span<const std::byte> file);

}  // namespace vivid::video
