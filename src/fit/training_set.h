// The labelled videos of a fit: class folders (ImageFolder layout) and JSON Lines lists, into
// one list of (path, class id) with the classes sorted by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vivid/vivid.h"

namespace vivid {

struct LabelledVideo {
    std::string path;
    std::string label;
};

// Every video of the folders and lists, sorted by path. Errors (each naming the folder, file or
// line): a folder that is not one, a class folder without videos, a video outside any class
// folder, a list line that is not {"path": string, "label": string}, one path with two labels.
// `role` ("training" or "validation") says which set the error is about.
std::vector<LabelledVideo> read_labelled_videos(const LabelledVideos& source, const std::string& role);

// The sorted distinct labels; an Error when there are fewer than two.
std::vector<std::string> class_names(const std::vector<LabelledVideo>& videos);

// Each video's class id in `classes`; an Error naming the video when its label is not one of them.
std::vector<int64_t> class_ids(const std::vector<LabelledVideo>& videos, const std::vector<std::string>& classes);

}  // namespace vivid
