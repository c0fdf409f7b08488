// vivid features: per video, one vector per sliding window (DIR/<path>.npy, float32 (windows,
// hidden), the layout temporal action localization tools read; names from feature_files.h) and
// one JSON Lines record in DIR/features.jsonl with the windows' frames and times and the run's
// settings, or the error. Files, folders, --list, --resume and --shard as `classify`.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "batch_output.h"
#include "feature_files.h"
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

// What makes the vectors of one run comparable: every record names it, and --resume refuses
// to add records made otherwise to a file.
Record run_settings(const Model& model, const FeaturesArgs& a) {
    const Model::WindowRule rule = model.window_rule(a.window);
    Record s;
    s["model"] = std::filesystem::absolute(a.model_dir).lexically_normal().string();
    s["precision"] = precision_name(model.options().precision);
    s["recipe"] = feature_recipe_name(a.window.recipe);
    s["frame_sampling_rate"] = rule.frame_sampling_rate;
    if (a.window.stride_seconds > 0) s["stride_seconds"] = a.window.stride_seconds;
    else s["stride"] = rule.stride;
    if (a.window.fps > 0) s["given_fps"] = a.window.fps;
    return s;
}

// Refuses a resume onto records written with other settings (their vectors would not compare).
RecordFile::Check same_settings(const std::string& file, const Record& settings) {
    return [file, settings](const nlohmann::json& record) {
        for (const auto& [key, value] : settings.items()) {
            if (!record.contains(key))
                throw Error(file, "a record (" + record["path"].get<std::string>() + ") does not name its " + key +
                                      "; it was written by an older vivid, so resuming cannot check it matches "
                                      "(use a new output folder)");
            if (record[key].dump() != value.dump())  // scalars; the two sides are different json types
                throw Error(file, "was written with " + key + " " + record[key].dump() + ", this run asks for " +
                                      value.dump() + "; resuming would mix the two (use the same settings or a new output folder)");
        }
        for (const char* key : {"stride", "stride_seconds", "given_fps"})
            if (record.contains(key) && !settings.contains(key))
                throw Error(file, std::string("was written with ") + key + " " + record[key].dump() +
                                      ", this run does not give it; resuming would mix the two");
    };
}

Record with_settings(Record record, const Record& settings) {
    for (const auto& [key, value] : settings.items()) record[key] = value;
    return record;
}

// Records the video's features, or its error; returns false on error.
bool extract(Model& model, const FeaturesArgs& a, const std::string& video, const std::string& npy,
             const Record& settings, RecordFile& records, Progress& progress) {
    try {
        WindowOptions window = a.window;
        window.on_progress = [&progress](int64_t done, int64_t expected) { progress.windows(done, expected); };
        const WindowFeatures f = model.features(video, window);
        const std::filesystem::path target = std::filesystem::path(a.out_dir) / npy;
        std::error_code ec;
        std::filesystem::create_directories(target.parent_path(), ec);  // mirrored input folders
        if (ec) throw Error(target.parent_path().string(), "cannot create the folder: " + ec.message());
        write_npy_file(target.string(), f.vectors);
        records.append(with_settings(Record{{"path", video},
                                            {"npy", npy},
                                            {"hidden", f.vectors.shape[1]},
                                            {"fps", f.fps},
                                            {"windows", windows_json(f.windows)}},
                                     settings)
                           .dump());
        return true;
    } catch (const Error& e) {
        records.append(with_settings(Record{{"path", video}, {"error", e.what()}}, settings).dump());
        progress.note(std::string("vivid: error: ") + e.what());
        return false;
    }
}

void features(const FeaturesArgs& a) {
    if (a.inputs.empty() && a.list_file.empty()) throw Error("vivid features", "no videos given (name files, folders or --list)");
    int64_t passed_over = 0;
    const std::vector<std::string> all = feature_inputs(a.inputs, a.list_file, a.out_dir, passed_over);
    if (all.empty() && passed_over > 0)
        throw Error(a.out_dir, "holds every video the folders searched hold; outputs are never read as inputs "
                               "(choose an output folder apart from the videos)");
    const std::map<std::string, std::string> npy_names = feature_file_names(all);
    refuse_overwriting_inputs(npy_names, a.out_dir);
    Model model = Model::load(a.model_dir, a.options);
    const std::vector<std::string> videos = take_shard(all, choose_shard(a.shard, a.shard_count));
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec) throw Error(a.out_dir, "cannot create the output folder: " + ec.message());
    const Record settings = run_settings(model, a);
    const std::string record_path = (std::filesystem::path(a.out_dir) / "features.jsonl").string();
    RecordFile records(record_path, a.resume, same_settings(record_path, settings));
    std::vector<std::string> todo;
    for (const std::string& v : videos)
        if (!records.has(v)) todo.push_back(v);
    Progress progress(static_cast<int64_t>(todo.size()), static_cast<int64_t>(videos.size() - todo.size()),
                      "done");
    if (passed_over > 0)
        progress.note("vivid: passed over " + std::to_string(passed_over) + " files inside the output folder " + a.out_dir);
    int64_t failed = 0;
    for (const std::string& video : todo) {
        const bool ok = extract(model, a, video, npy_names.at(video), settings, records, progress);
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
    cmd->add_option("--out", a->out_dir, "folder for one .npy per video (its path relative to the videos' common folder) and features.jsonl")->required();
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
