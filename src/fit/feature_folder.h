// Reusing a `vivid features` run: window 0's vector of each video from its output folder
// (features.jsonl + one .npy per video), checked to come from the same model and settings.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vivid {

struct FeatureSettings {
    std::string model_folder;  // compared as an absolute path
    std::string precision;     // "fp32", ...
    int frame_sampling_rate = 1;
};

struct FeatureFolder {
    std::string dir;
    std::map<std::string, std::string> npy;    // absolute video path -> its .npy file
    std::map<std::string, std::string> errors; // absolute video path -> why `features` failed on it
};

// Reads DIR/features.jsonl; an Error naming the file (and line) when a record was made with
// another model, precision, recipe or frame sampling rate, or is not a features record.
FeatureFolder read_feature_folder(const std::string& dir, const FeatureSettings& expected);

// Window 0's vector of `video` (`hidden` values); an Error naming the video when the folder
// has no record of it, its record is an error, or it has no window.
std::vector<float> first_window_vector(const FeatureFolder& folder, const std::string& video, int64_t hidden);

}  // namespace vivid
