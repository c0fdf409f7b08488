// Fuzz target: arbitrary bytes as a `vivid fit --list` file (JSON Lines {"path", "label"}). It
// reads, or is refused with vivid::Error; the videos are never opened here.
#include <cstddef>
#include <cstdint>

#include "fit/training_set.h"
#include "fuzz_support.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    vivid::fuzz::TempFile list(data, size, ".jsonl");
    if (!list.ok()) return 0;
    vivid::LabelledVideos source;
    source.lists = {list.path()};
    try {
        const auto videos = vivid::read_labelled_videos(source, "training");
        const auto classes = vivid::class_names(videos);
        vivid::class_ids(videos, classes);
    } catch (const vivid::Error&) {
    }
    return 0;
}
