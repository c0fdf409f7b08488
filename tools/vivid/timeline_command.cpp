// vivid timeline: what happens when in a long video. One JSON Lines record per window (its
// frames, times and top-k labels), then one per segment (consecutive windows with the same top
// label); a readable table without --out; --svg draws the segments on a time axis. On a terminal,
// the windows done and the time left are shown on stderr as the video is read.
#include <chrono>
#include <cstdio>
#include <memory>

#include "command.h"
#include "progress_line.h"
#include "timeline_json.h"
#include "timeline_svg.h"
#include "window_options.h"

namespace vivid::cli {
namespace {

struct TimelineArgs {
    std::string model_dir;
    std::string video;
    int top_k = 5;
    std::string out;
    std::string svg;
    WindowOptions window;
    Options options;
};

std::string json_lines(const Timeline& t) {
    std::string text;
    for (const LabelledWindow& w : t.windows) text += window_record(w).dump() + "\n";
    for (const Segment& s : t.segments) text += segment_record(s).dump() + "\n";
    return text;
}

void print_table(std::FILE* to, const Timeline& t) {
    std::fprintf(to, "%-9s %-9s %-6s  %s\n", "start", "end", "score", "label");
    for (const Segment& s : t.segments)
        std::fprintf(to, "%9.2f %9.2f %6.3f  %s\n", s.start, s.end, s.score, s.label.c_str());
    std::fprintf(to, "(%zu windows, %zu segments)\n", t.windows.size(), t.segments.size());
}

void timeline(const TimelineArgs& a) {
    Model model = Model::load(a.model_dir, a.options);
    StatusLine status;  // windows done and the time left, on a terminal
    const auto start = std::chrono::steady_clock::now();
    WindowOptions window = a.window;
    window.on_progress = [&](int64_t done, int64_t expected) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        status.show(progress_line({.windows_done = done, .windows_expected = expected, .seconds = seconds, .one_video = true}));
    };
    const Timeline t = model.timeline(a.video, window, a.top_k);
    status.close();
    if (!a.out.empty()) write_text_file(a.out, json_lines(t));
    else print_table(messages_for(a.svg), t);  // --svg - keeps stdout for the picture
    if (!a.svg.empty()) write_text_file(a.svg, timeline_svg(t, a.video));
}

void add_timeline_command(CLI::App& app) {
    auto a = std::make_shared<TimelineArgs>();
    CLI::App* cmd = app.add_subcommand("timeline", "labels per sliding window of a long video, merged into segments");
    cmd->add_option("--model", a->model_dir, "HF model folder (a classifier)")->required();
    cmd->add_option("video", a->video, "the video (or a .npy uint8 (T,H,W,3) array with --fps)")->required();
    cmd->add_option("--top-k", a->top_k, "labels per window (default 5)")->check(at_least(1));
    cmd->add_option("--out", a->out, "write the JSON Lines here (windows, then segments) instead of a table");
    cmd->add_option("--svg", a->svg, "draw the segments on a time axis into this SVG file");
    add_window_options(*cmd, a->window);
    add_video_options(*cmd, a->options);
    add_precision_option(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { timeline(*a); });
}

const CommandRegistration registration(&add_timeline_command);

}  // namespace
}  // namespace vivid::cli
