#include "model_description.h"

#include "command.h"

namespace vivid::cli {
namespace {

constexpr double kPretrainingMaskRatio = 0.9;  // VideoMAE's pre-training ratio, for the work count


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

}  // namespace

nlohmann::json describe_model(const Model& model, const std::string& dir) {
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
    if (info.model_type == "vivit_factorised_encoder") j["temporal_layers"] = info.temporal_layers;
    for (const LabelHead& h : info.label_heads) j["label_heads"].push_back({{"name", h.name}, {"size", h.size}});
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


}  // namespace vivid::cli
