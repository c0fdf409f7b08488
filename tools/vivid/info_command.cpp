// vivid info: what a model folder holds: architecture, parameters, work per clip, input shape,
// labels and preprocessing, read from the folder without running anything.
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "model_inputs.h"
#include "vivid/model.h"
#include "vivid/preprocess.h"

namespace vivid::cli {
namespace {

struct InfoOptions {
    std::string model_dir;
    bool json = false;
};

constexpr double kPretrainingMaskRatio = 0.9;  // VideoMAE's pre-training ratio, for the work count
constexpr int kLabelsShown = 5;

int64_t parameter_count(const std::string& dir) {
    std::string source;
    int64_t n = 0;
    for (const auto& [name, tensor] : load_model_weights(dir, source)) n += tensor.numel();
    return n;
}

nlohmann::json preprocessing(const std::string& dir) {
    const auto path = std::filesystem::path(dir) / "preprocessor_config.json";
    if (!std::filesystem::exists(path)) return nullptr;
    const PreprocessorConfig p = load_preprocessor_config(path.string());
    nlohmann::json j;
    j["image_processor_type"] = p.image_processor_type;
    if (p.do_resize)
        j["resize"] = p.size.shortest_edge > 0 ? nlohmann::json{{"shortest_edge", p.size.shortest_edge}}
                                               : nlohmann::json{{"height", p.size.height}, {"width", p.size.width}};
    if (p.do_center_crop) j["center_crop"] = {{"height", p.crop_height}, {"width", p.crop_width}};
    if (p.do_rescale) j["rescale_factor"] = p.rescale_factor;
    if (p.do_zero_centering) j["zero_centering"] = true;
    if (p.offset) j["offset"] = true;
    if (p.do_normalize) j["normalize"] = {{"mean", p.image_mean}, {"std", p.image_std}};
    return j;
}

nlohmann::json describe(const std::string& dir) {
    auto model = load_model(dir);
    const ModelConfig& c = model->config();
    const CommonConfig& common = std::visit([](const auto& m) -> const CommonConfig& { return m.common; }, c);
    nlohmann::json j;
    j["model"] = dir;
    j["architecture"] = model->architecture();
    j["parameters"] = parameter_count(dir);
    const int64_t masked =
        model->is_pretraining() ? masked_per_clip(model_tube_mask(*model, 1, kPretrainingMaskRatio, 0)) : 0;
    j["gflop_per_clip"] = model->forward_flops(1, masked) / 1e9;
    if (model->is_pretraining()) j["gflop_mask"] = "tube, ratio 0.9: " + std::to_string(masked) + " masked patches";
    j["input"] = {{"frames", config_num_frames(c)},
                  {"channels", std::visit([](const auto& m) { return m.num_channels; }, c)},
                  {"height", config_image_size(c)},
                  {"width", config_image_size(c)}};
    j["patches"] = model->num_patches();
    if (!model->is_pretraining()) {
        j["labels"] = common.num_labels();
        nlohmann::json first = nlohmann::json::array();
        for (int64_t i = 0; i < common.num_labels() && i < kLabelsShown; ++i) first.push_back(common.id2label[i]);
        j["first_labels"] = first;
    }
    j["preprocessing"] = preprocessing(dir);
    return j;
}

void print_text(const nlohmann::json& j) {
    std::printf("%s: %s\n", j["model"].get<std::string>().c_str(), j["architecture"].get<std::string>().c_str());
    std::printf("  parameters      %lld\n", j["parameters"].get<long long>());
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
    std::printf("  preprocessing   %s\n", j["preprocessing"].is_null() ? "(no preprocessor_config.json)"
                                                                       : j["preprocessing"].dump().c_str());
}

void add_info_command(CLI::App& app) {
    auto opts = std::make_shared<InfoOptions>();
    CLI::App* cmd = app.add_subcommand("info", "describe a model folder: architecture, size, work, input, labels");
    cmd->add_option("--model", opts->model_dir, "HF model folder (config.json + weights)")->required();
    cmd->add_flag("--json", opts->json, "print one JSON object");
    cmd->callback([opts]() {
        const nlohmann::json j = describe(opts->model_dir);
        if (opts->json)
            std::printf("%s\n", j.dump().c_str());
        else
            print_text(j);
    });
}

const CommandRegistration registration(&add_info_command);

}  // namespace
}  // namespace vivid::cli
