// vivid info: what a model folder holds: architecture, parameters, work per clip, input shape,
// labels and preprocessing.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"

namespace vivid::cli {
namespace {

struct InfoArgs {
    std::string model_dir;
    bool json = false;
};

constexpr double kPretrainingMaskRatio = 0.9;  // VideoMAE's pre-training ratio, for the work count
constexpr int kLabelsShown = 5;

nlohmann::json preprocessing(const std::optional<Preprocessing>& p) {
    if (!p) return nullptr;
    nlohmann::json j;
    j["image_processor_type"] = p->processor;
    if (p->resize_shortest_edge > 0) j["resize"] = {{"shortest_edge", p->resize_shortest_edge}};
    else if (p->resize_height > 0) j["resize"] = {{"height", p->resize_height}, {"width", p->resize_width}};
    if (p->crop_height > 0) j["center_crop"] = {{"height", p->crop_height}, {"width", p->crop_width}};
    if (p->rescale_factor > 0) j["rescale_factor"] = p->rescale_factor;
    if (p->zero_centering) j["zero_centering"] = true;
    if (p->offset) j["offset"] = true;
    if (p->normalize) j["normalize"] = {{"mean", p->mean}, {"std", p->std}};
    return j;
}

nlohmann::json describe(const std::string& dir) {
    const Model model = Model::load(dir);
    const ModelInfo& info = model.info();
    nlohmann::json j;
    j["model"] = dir;
    j["architecture"] = info.architecture;
    j["parameters"] = info.parameters;
    int64_t masked = 0;
    if (info.pretraining) {
        masked = masked_per_clip(model.mask(1, kPretrainingMaskRatio, 0));
        j["gflop_mask"] = "tube, ratio 0.9: " + std::to_string(masked) + " masked patches";
    }
    j["gflop_per_clip"] = model.flops(1, masked) / 1e9;
    j["input"] = {{"frames", info.frames}, {"channels", info.channels}, {"height", info.image_size},
                  {"width", info.image_size}};
    j["patches"] = info.patches;
    j["layers"] = info.layers;
    j["hidden_size"] = info.hidden_size;
    j["heads"] = info.heads;
    if (!info.pretraining) {
        j["labels"] = info.labels.size();
        nlohmann::json first = nlohmann::json::array();
        for (std::size_t i = 0; i < info.labels.size() && i < kLabelsShown; ++i) first.push_back(info.labels[i]);
        j["first_labels"] = first;
    }
    j["preprocessing"] = preprocessing(info.preprocessing);
    // What each precision would run the q/k/v product on here: a slow fallback shows before a run.
    nlohmann::json kernels;
    for (Precision p : {Precision::F32, Precision::BF16, Precision::INT8})
        kernels[precision_name(p)] = linear_implementation(p, info.patches, info.hidden_size, 3 * info.hidden_size);
    j["linear_kernels"] = kernels;
    j["vector_kernels"] = kernels_in_use();
    return j;
}

void print_text(const nlohmann::json& j) {
    std::printf("%s: %s\n", j["model"].get<std::string>().c_str(), j["architecture"].get<std::string>().c_str());
    std::printf("  parameters      %lld\n", j["parameters"].get<long long>());
    std::printf("  layers          %lld x hidden %lld, %lld heads\n", j["layers"].get<long long>(),
                j["hidden_size"].get<long long>(), j["heads"].get<long long>());
    std::printf("  GFLOP per clip  %.4g%s\n", j["gflop_per_clip"].get<double>(),
                j.contains("gflop_mask") ? (" (" + j["gflop_mask"].get<std::string>() + ")").c_str() : "");
    const auto& in = j["input"];
    std::printf("  input           %lld frames x %lld channels x %lldx%lld (%lld patches)\n",
                in["frames"].get<long long>(), in["channels"].get<long long>(), in["height"].get<long long>(),
                in["width"].get<long long>(), j["patches"].get<long long>());
    if (j.contains("labels")) {
        std::string first;
        for (const auto& l : j["first_labels"]) first += (first.empty() ? "" : ", ") + l.get<std::string>();
        std::printf("  labels          %lld (%s%s)\n", j["labels"].get<long long>(), first.c_str(),
                    j["labels"].get<long long>() > kLabelsShown ? ", ..." : "");
    }
    std::string kernels;
    for (const auto& [precision, impl] : j["linear_kernels"].items())
        kernels += (kernels.empty() ? "" : ", ") + precision + " " + impl.get<std::string>();
    std::printf("  matrix kernels  %s (q/k/v product)\n", kernels.c_str());
    std::printf("  vector kernels  %s\n", j["vector_kernels"].get<std::string>().c_str());
    std::printf("  preprocessing   %s\n", j["preprocessing"].is_null() ? "(no preprocessor_config.json)"
                                                                       : j["preprocessing"].dump().c_str());
}

void add_info_command(CLI::App& app) {
    auto a = std::make_shared<InfoArgs>();
    CLI::App* cmd = app.add_subcommand("info", "describe a model folder: architecture, size, work, input, labels");
    cmd->add_option("--model", a->model_dir, "HF model folder (config.json + weights)")->required();
    cmd->add_flag("--json", a->json, "print one JSON object");
    cmd->callback([a]() {
        const nlohmann::json j = describe(a->model_dir);
        if (a->json)
            std::printf("%s\n", j.dump().c_str());
        else
            print_text(j);
    });
}

const CommandRegistration registration(&add_info_command);

}  // namespace
}  // namespace vivid::cli
