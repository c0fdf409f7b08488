// Many videos through one model: decoded and preprocessed ahead on a second thread while the
// model works (classify_each, fit), handed over in groups for one forward each.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace vivid {

// A video decoded and preprocessed (pixel_values (views, T, C, H, W)), or why it could not be.
struct PreparedVideo {
    std::string path;
    Tensor pixel_values;
    std::string error;
    double decode_ms = 0;
};

// Prepares `videos` in order, at most `prefetch` ahead on a background thread (0: each on the
// calling thread, decoding with all the model's threads), and hands `finish` groups of up to
// `batch` prepared videos in order; a group never waits for videos not yet decoded.
// `decode(path, decoder_threads)` gives a video's pixel_values; `threads` is the model's.
using DecodeVideo = std::function<Tensor(const std::string& path, int decoder_threads)>;
void for_each_prepared(const DecodeVideo& decode, int threads, const std::vector<std::string>& videos, int prefetch,
                       int batch, const std::function<void(std::vector<PreparedVideo>&)>& finish);

// The group's pixel_values as one batch: their view rows one after another.
Tensor concatenate(const std::vector<const Tensor*>& parts);

}  // namespace vivid
