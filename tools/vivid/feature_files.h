// Where `vivid features` puts each video's vectors, and what it refuses to read or overwrite.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vivid::cli {

// The .npy name (relative to the output folder) of each video: its path relative to the
// videos' common folder with the extension replaced by .npy, folders mirrored, so a/clip.mp4
// and b/clip.mp4 never share a file; videos that differ only in extension (clip.mp4,
// clip.mkv) keep it (clip.mp4.npy). A single video: <file name without extension>.npy.
// Computed from the whole list before sharding, so every shard names a video alike.
std::map<std::string, std::string> feature_file_names(const std::vector<std::string>& videos);

// The videos of a features run (find_videos' list): files named or listed as given; from the
// folders searched, only what lies outside `out_dir`, so a second run never takes the first
// one's .npy outputs for videos. `passed_over` counts what the search left out.
std::vector<std::string> feature_inputs(const std::vector<std::string>& inputs, const std::string& list_file,
                                        const std::string& out_dir, int64_t& passed_over);

// An Error naming the output when a video's .npy would be one of the videos themselves.
void refuse_overwriting_inputs(const std::map<std::string, std::string>& names, const std::string& out_dir);

}  // namespace vivid::cli
