// vivid classify: video file(s) -> top-k labels with softmax probabilities, like the HF
// video-classification pipeline ([{"score": ..., "label": ...}, ...]).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "command.h"
#include "model_inputs.h"
#include "vivid/error.h"

namespace vivid::cli {
namespace {

struct ClassifyOptions {
    std::string model_dir;
    std::vector<std::string> videos;
    int64_t top_k = 5;
    bool json = false;
    VideoInputOptions video;
    std::string precision = "fp32";
    int threads = 0;
};

struct Prediction {
    double score;
    std::string label;
};

// Softmax over the clip-averaged logits (one clip: the pipeline's logits[0].softmax(-1)).
std::vector<Prediction> top_predictions(const Tensor& logits, const std::vector<std::string>& labels, int64_t k) {
    const int64_t clips = logits.size(0), n = logits.size(1);
    std::vector<double> mean(static_cast<std::size_t>(n), 0.0);
    for (int64_t c = 0; c < clips; ++c)
        for (int64_t i = 0; i < n; ++i) mean[i] += logits.data<float>()[c * n + i] / static_cast<double>(clips);
    const double mx = *std::max_element(mean.begin(), mean.end());
    double sum = 0;
    for (double& v : mean) sum += (v = std::exp(v - mx));
    std::vector<int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return mean[a] > mean[b]; });
    std::vector<Prediction> out;
    for (int64_t i = 0; i < std::min(k, n); ++i) out.push_back({mean[order[i]] / sum, labels.at(order[i])});
    return out;
}

nlohmann::json to_json(const std::vector<Prediction>& predictions) {
    nlohmann::json list = nlohmann::json::array();
    for (const Prediction& p : predictions) list.push_back({{"score", p.score}, {"label", p.label}});
    return list;
}

void classify(const ClassifyOptions& o) {
    apply_threads(o.threads);
    auto model = load_model(o.model_dir, KernelChoice::Optimized, parse_precision(o.precision, o.model_dir));
    if (model->is_pretraining())
        throw Error(o.model_dir, model->architecture() + " reconstructs masked patches; it has no labels to classify");
    const auto& labels = common_config(model->config()).id2label;
    for (const std::string& video : o.videos) {
        const Tensor pixel_values = video_to_pixel_values(video, o.model_dir, *model, o.video);
        const auto predictions = top_predictions(model->forward(pixel_values, nullptr).logits, labels, o.top_k);
        if (o.json && o.videos.size() == 1) {
            std::printf("%s\n", to_json(predictions).dump().c_str());
        } else if (o.json) {  // several videos: JSON Lines, one object per video
            std::printf("%s\n", nlohmann::json({{"video", video}, {"predictions", to_json(predictions)}}).dump().c_str());
        } else {
            if (o.videos.size() > 1) std::printf("%s\n", video.c_str());
            for (const Prediction& p : predictions) std::printf("%8.4f  %s\n", p.score, p.label.c_str());
        }
        std::fflush(stdout);
    }
}

void add_classify_command(CLI::App& app) {
    auto o = std::make_shared<ClassifyOptions>();
    CLI::App* cmd = app.add_subcommand("classify", "classify video files with a ViViT/VideoMAE model folder");
    cmd->add_option("--model", o->model_dir, "HF model folder")->required();
    cmd->add_option("videos", o->videos, "video files (or .npy uint8 clips)")->required();
    cmd->add_option("--top-k", o->top_k, "how many labels to print (default 5)")->check(CLI::PositiveNumber);
    cmd->add_flag("--json", o->json, "print JSON like the HF pipeline (JSON Lines for several videos)");
    add_video_input_options(*cmd, o->video);
    add_clip_options(*cmd, o->video);
    cmd->add_option("--precision", o->precision, "linear layers in fp32 (default) or bf16 (needs AVX512-BF16 or AMX)")
        ->check(CLI::IsMember({"fp32", "bf16"}));
    add_threads_option(*cmd, o->threads);
    cmd->callback([o]() { classify(*o); });
}

const CommandRegistration registration(&add_classify_command);

}  // namespace
}  // namespace vivid::cli
