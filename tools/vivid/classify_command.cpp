// vivid classify: video files or folders -> top-k labels with softmax probabilities, like the
// HF video-classification pipeline. One video prints its labels; --json always prints one JSON
// document (one video: the pipeline's [{"score", "label"}]; a batch: an array of records), and
// --jsonl streams one record per line as each video is done. A batch (several videos, folders,
// --list, --out or --jsonl) writes one JSON Lines record per video, goes on past a bad video, can
// be sharded over machines and resumed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "batch_output.h"
#include "command.h"
#include "labels_json.h"

namespace vivid::cli {
namespace {

struct ClassifyArgs {
    std::string model_dir;
    std::vector<std::string> inputs;
    std::string list_file;
    int top_k = 5;
    bool json = false;
    bool jsonl = false;
    std::string out;
    bool resume = false;
    std::string shard;
    int shard_count = 0;
    int prefetch = 2;
    int batch = 1;
    Options options;
};

// Records keep their keys in this order (path first), for people reading the file.
using Record = nlohmann::ordered_json;

Record record(const VideoResult& r) {
    if (!r.error.empty()) return {{"path", r.path}, {"error", r.error}};
    return {{"path", r.path},
            {"labels", r.heads.empty() ? labels_json<Record>(r.labels) : head_labels_json<Record>(r.heads)},
            {"frames", r.frames},
            {"decode_ms", r.decode_ms},
            {"model_ms", r.model_ms}};
}

void print_table(const std::vector<Prediction>& labels) {
    for (const Prediction& p : labels) std::printf("%8.4f  %s\n", p.score, p.label.c_str());
}

void print_heads(const std::vector<HeadPredictions>& heads) {
    for (const HeadPredictions& h : heads) {
        std::printf("%s\n", h.head.c_str());
        print_table(h.labels);
    }
}

bool is_batch(const ClassifyArgs& a) {
    if (a.inputs.size() != 1 || !a.list_file.empty() || !a.out.empty() || a.jsonl || !a.shard.empty() ||
        a.shard_count > 0 || a.resume)
        return true;
    return std::filesystem::is_directory(a.inputs.front());
}

// One video named on its own: a bad file is bad input (exit status 2), as for every command.
void classify_one(Model& model, const ClassifyArgs& a) {
    if (!model.info().label_heads.empty()) {  // a split model answers per head
        const std::vector<HeadPredictions> heads = model.classify_heads(a.inputs.front(), a.top_k);
        if (a.json) std::printf("%s\n", head_labels_json<Record>(heads).dump().c_str());
        else print_heads(heads);
        return;
    }
    const std::vector<Prediction> predictions = model.classify(a.inputs.front(), a.top_k);
    if (a.json) {
        nlohmann::json list = nlohmann::json::array();  // the HF pipeline's order of keys
        for (const Prediction& p : predictions) list.push_back({{"score", p.score}, {"label", p.label}});
        std::printf("%s\n", list.dump().c_str());
    } else {
        print_table(predictions);
    }
}

void classify_batch(Model& model, const ClassifyArgs& a) {
    std::vector<std::string> videos = take_shard(find_videos(a.inputs, a.list_file), choose_shard(a.shard, a.shard_count));
    RecordFile out(a.out, a.resume);
    std::vector<std::string> todo;
    for (const std::string& v : videos)
        if (!out.has(v)) todo.push_back(v);
    Record all = Record::array();  // --json: the records as one JSON array, printed at the end
    Progress progress(static_cast<int64_t>(todo.size()), static_cast<int64_t>(videos.size() - todo.size()));
    int64_t failed = 0;
    model.classify_each(
        todo, a.top_k,
        [&](const VideoResult& r) {
            const Record rec = record(r);
            const std::string line = rec.dump();
            out.append(line);
            if (a.jsonl) {
                std::printf("%s\n", line.c_str());
                std::fflush(stdout);
            } else if (a.json) {
                all.push_back(rec);
            } else if (a.out.empty()) {
                if (r.error.empty()) {
                    std::printf("%s\n", r.path.c_str());
                    if (r.heads.empty()) print_table(r.labels);
                    else print_heads(r.heads);
                    std::fflush(stdout);
                }
            }
            if (!r.error.empty()) {
                ++failed;
                progress.note(std::string("vivid: error: ") + r.error);
            }
            progress.step(!r.error.empty());
        },
        a.prefetch, a.batch);
    if (a.json && !a.jsonl) std::printf("%s\n", all.dump().c_str());
    progress.finish();
    if (failed > 0) std::exit(1);
}

void classify(const ClassifyArgs& a) {
    if (a.inputs.empty() && a.list_file.empty()) throw Error("vivid classify", "no videos given (name files, folders or --list)");
    Model model = Model::load(a.model_dir, a.options);
    if (is_batch(a)) classify_batch(model, a);
    else classify_one(model, a);
}

void add_classify_command(CLI::App& app) {
    auto a = std::make_shared<ClassifyArgs>();
    CLI::App* cmd = app.add_subcommand("classify", "classify videos (files or folders) with a ViViT/VideoMAE model folder");
    cmd->add_option("--model", a->model_dir, "HF model folder")->required();
    cmd->add_option("inputs", a->inputs, "video files (or .npy uint8 clips) and folders (searched recursively)");
    cmd->add_option("--list", a->list_file, "a file naming one video (or folder) per line");
    cmd->add_option("--top-k", a->top_k, "how many labels per video (default 5)")->check(at_least(1));
    cmd->add_flag("--json", a->json,
                  "print one JSON document: one video, the HF pipeline's [{score, label}]; several, an array of "
                  "records at the end (--jsonl streams them)");
    cmd->add_flag("--jsonl", a->jsonl, "JSON Lines records on stdout, one per video");
    cmd->add_option("--out", a->out, "append JSON Lines records here, one per video, flushed as each is done");
    cmd->add_flag("--resume", a->resume, "skip the videos --out already records")->needs("--out");
    add_shard_options(*cmd, a->shard, a->shard_count);
    cmd->add_option("--prefetch", a->prefetch, "videos decoded ahead of the model (default 2; 0: one at a time)")
        ->check(at_least(0));
    cmd->add_option("--batch", a->batch, "videos already decoded that share one forward (default 1)")
        ->check(CLI::Range(1, 64));
    add_video_options(*cmd, a->options);
    add_clip_options(*cmd, a->options);
    add_precision_option(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { classify(*a); });
}

const CommandRegistration registration(&add_classify_command);

}  // namespace
}  // namespace vivid::cli
