// vivid features: per video, one vector per sliding window (DIR/<name>.npy, float32 (windows,
// hidden), the layout temporal action localization tools read) and one JSON Lines record in
// DIR/features.jsonl with the windows' frames and times, or the error. Files, folders, --list,
// --resume and --shard as `classify`.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "batch_output.h"
#include "command.h"
#include "window_options.h"

namespace vivid::cli {
namespace {

struct FeaturesArgs {
    std::string model_dir;
    std::vector<std::string> inputs;
    std::string list_file;
    std::string out_dir;
    bool resume = false;
    std::string shard;
    int shard_count = 0;
    WindowOptions window;
    Options options;
};

using Record = nlohmann::ordered_json;  // path first, for people reading the file

Record windows_json(const std::vector<Window>& windows) {
    Record list = Record::array();
    for (const Window& w : windows)
        list.push_back({{"start_frame", w.start_frame}, {"end_frame", w.end_frame}, {"start", w.start}, {"end", w.end}});
    return list;
}

// Records the video's features, or its error; returns false on error.
bool extract(Model& model, const FeaturesArgs& a, const std::string& video, RecordFile& records, Progress& progress) {
    try {
        WindowOptions window = a.window;
        window.on_progress = [&progress](int64_t done, int64_t expected) { progress.windows(done, expected); };
        const WindowFeatures f = model.features(video, window);
        const std::string npy = std::filesystem::path(video).stem().string() + ".npy";
        write_npy_file((std::filesystem::path(a.out_dir) / npy).string(), f.vectors);
        records.append(Record{{"path", video},
                              {"npy", npy},
                              {"hidden", f.vectors.shape[1]},
                              {"fps", f.fps},
                              {"windows", windows_json(f.windows)}}
                           .dump());
        return true;
    } catch (const Error& e) {
        records.append(Record{{"path", video}, {"error", e.what()}}.dump());
        progress.note(std::string("vivid: error: ") + e.what());
        return false;
    }
}

void features(const FeaturesArgs& a) {
    if (a.inputs.empty() && a.list_file.empty()) throw Error("vivid features", "no videos given (name files, folders or --list)");
    Model model = Model::load(a.model_dir, a.options);
    const std::vector<std::string> videos =
        take_shard(find_videos(a.inputs, a.list_file), choose_shard(a.shard, a.shard_count));
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec) throw Error(a.out_dir, "cannot create the output folder: " + ec.message());
    RecordFile records((std::filesystem::path(a.out_dir) / "features.jsonl").string(), a.resume);
    std::vector<std::string> todo;
    for (const std::string& v : videos)
        if (!records.has(v)) todo.push_back(v);
    Progress progress(static_cast<int64_t>(todo.size()), static_cast<int64_t>(videos.size() - todo.size()),
                      "done");
    int64_t failed = 0;
    for (const std::string& video : todo) {
        const bool ok = extract(model, a, video, records, progress);
        failed += ok ? 0 : 1;
        progress.step(!ok);
    }
    progress.finish();
    if (failed > 0) std::exit(1);
}

void add_features_command(CLI::App& app) {
    auto a = std::make_shared<FeaturesArgs>();
    CLI::App* cmd = app.add_subcommand("features", "one feature vector per sliding window of each video (.npy + JSON Lines)");
    cmd->add_option("--model", a->model_dir, "HF model folder")->required();
    cmd->add_option("inputs", a->inputs, "video files (or .npy uint8 frames) and folders (searched recursively)");
    cmd->add_option("--list", a->list_file, "a file naming one video (or folder) per line");
    cmd->add_option("--out", a->out_dir, "folder for <name>.npy per video and features.jsonl")->required();
    cmd->add_flag("--resume", a->resume, "skip the videos features.jsonl already records");
    add_shard_options(*cmd, a->shard, a->shard_count);
    add_window_options(*cmd, a->window);
    add_video_options(*cmd, a->options);
    add_precision_option(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { features(*a); });
}

const CommandRegistration registration(&add_features_command);

}  // namespace
}  // namespace vivid::cli
