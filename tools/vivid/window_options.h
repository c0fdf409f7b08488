// The window flags `features` and `timeline` share: --recipe, --stride, --stride-seconds, --fps, --batch.
#pragma once

#include <CLI/CLI.hpp>

#include "command.h"
#include "vivid/vivid.h"

namespace vivid::cli {

inline void add_window_options(CLI::App& cmd, WindowOptions& w) {
    cmd.add_option_function<std::string>(
           "--recipe", [&w](const std::string& name) { w.recipe = parse_feature_recipe(name, "--recipe"); },
           "hf-pipeline (default: the folder's image processor, the pipeline's frame indices) or videomae-v2-tad "
           "(VideoMAE V2's extract_tad_feature.py: consecutive frames every 4, frames/255 squashed with torch's "
           "bilinear)")
        ->check(CLI::IsMember({"hf-pipeline", "videomae-v2-tad"}));
    cmd.add_option("--stride", w.stride, "frames between window starts (default: the window's span; 4 for videomae-v2-tad)")
        ->check(at_least(1));
    cmd.add_option("--stride-seconds", w.stride_seconds, "seconds between window starts, by the stream's timestamps")
        ->check(above(0))
        ->excludes("--stride");
    cmd.add_option("--fps", w.fps, "frame rate of a .npy input (it has no timestamps)")->check(above(0));
    cmd.add_option("--batch", w.batch, "windows per forward (default 1)")->check(CLI::Range(1, 256));
}

}  // namespace vivid::cli
