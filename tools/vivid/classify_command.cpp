// vivid classify: video file(s) -> top-k labels with softmax probabilities, like the HF
// video-classification pipeline ([{"score": ..., "label": ...}, ...]).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"

namespace vivid::cli {
namespace {

struct ClassifyArgs {
    std::string model_dir;
    std::vector<std::string> videos;
    int top_k = 5;
    bool json = false;
    Options options;
};

nlohmann::json to_json(const std::vector<Prediction>& predictions) {
    nlohmann::json list = nlohmann::json::array();
    for (const Prediction& p : predictions) list.push_back({{"score", p.score}, {"label", p.label}});
    return list;
}

void classify(const ClassifyArgs& a) {
    Model model = Model::load(a.model_dir, a.options);
    for (const std::string& video : a.videos) {
        const std::vector<Prediction> predictions = model.classify(video, a.top_k);
        if (a.json && a.videos.size() == 1) {
            std::printf("%s\n", to_json(predictions).dump().c_str());
        } else if (a.json) {  // several videos: JSON Lines, one object per video
            std::printf("%s\n", nlohmann::json({{"video", video}, {"predictions", to_json(predictions)}}).dump().c_str());
        } else {
            if (a.videos.size() > 1) std::printf("%s\n", video.c_str());
            for (const Prediction& p : predictions) std::printf("%8.4f  %s\n", p.score, p.label.c_str());
        }
        std::fflush(stdout);
    }
}

void add_classify_command(CLI::App& app) {
    auto a = std::make_shared<ClassifyArgs>();
    CLI::App* cmd = app.add_subcommand("classify", "classify video files with a ViViT/VideoMAE model folder");
    cmd->add_option("--model", a->model_dir, "HF model folder")->required();
    cmd->add_option("videos", a->videos, "video files (or .npy uint8 clips)")->required();
    cmd->add_option("--top-k", a->top_k, "how many labels to print (default 5)")->check(CLI::PositiveNumber);
    cmd->add_flag("--json", a->json, "print JSON like the HF pipeline (JSON Lines for several videos)");
    add_video_options(*cmd, a->options);
    add_clip_options(*cmd, a->options);
    add_precision_option(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { classify(*a); });
}

const CommandRegistration registration(&add_classify_command);

}  // namespace
}  // namespace vivid::cli
