// vivid info: what a model folder holds: architecture, parameters, work per clip, input shape,
// labels and preprocessing.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "model_description.h"

namespace vivid::cli {
namespace {

struct InfoArgs {
    std::string model_dir;
    bool json = false;
    Options options;
};

void print_text(const nlohmann::json& j) {
    std::printf("%s: %s\n", j["model"].get<std::string>().c_str(), j["architecture"].get<std::string>().c_str());
    std::printf("  parameters      %lld\n", j["parameters"].get<long long>());
    std::printf("  layers          %lld x hidden %lld, %lld heads\n", j["layers"].get<long long>(),
                j["hidden_size"].get<long long>(), j["heads"].get<long long>());
    if (j.contains("temporal_layers"))  // the factorised encoder: `layers` is its spatial encoder
        std::printf("  temporal layers %lld\n", j["temporal_layers"].get<long long>());
    if (j.contains("label_heads")) {
        std::string heads;
        for (const auto& h : j["label_heads"])
            heads += (heads.empty() ? "" : ", ") + h["name"].get<std::string>() + " " + std::to_string(h["size"].get<long long>());
        std::printf("  label heads     %s (and their joint)\n", heads.c_str());
    }
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
    add_threads_option(*cmd, a->options);  // loading packs the weights on these threads
    cmd->callback([a]() {
        const nlohmann::json j = describe_model(Model::load(a->model_dir, a->options), a->model_dir);
        if (a->json)
            std::printf("%s\n", j.dump().c_str());
        else
            print_text(j);
    });
}

const CommandRegistration registration(&add_info_command);

}  // namespace
}  // namespace vivid::cli
