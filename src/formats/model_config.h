// Model configurations, field for field as Hugging Face's config.json spells them.
// Defaults (used when a key is absent) are HF's, listed once in src/formats/model_config.cpp
// beside the HF class they come from.
#pragma once

#include <array>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vivid {

// The PretrainedConfig fields vivid uses.
struct CommonConfig {
    std::vector<std::string> architectures;
    std::vector<std::string> id2label;  // index -> label; HF default: LABEL_0, LABEL_1
    std::string torch_dtype = "float32";
    // The frame sampling rate the model was evaluated at (vivid's key, written by presets that
    // state one, e.g. Scenic's ViViT FE: 2); 0: not stated (the HF pipeline's 1).
    int64_t frame_sampling_rate = 0;
    int64_t num_labels() const { return static_cast<int64_t>(id2label.size()); }
};

// A split classifier: the logits' first `size` entries are head 0, the next ones head 1, ...
// (Scenic's EPIC-KITCHENS model: noun 300, then verb 97), each with its own softmax.
struct HeadSplit {
    std::string name;
    int64_t size = 0;
};

// transformers VivitConfig; with model_type "vivit_factorised_encoder" also Scenic's
// factorised encoder (ViViT Model 2), which HF has no class for: the spatial encoder
// (num_hidden_layers) runs on each temporal slot's tokens, a temporal encoder
// (num_temporal_layers) on the slots' CLS tokens.
struct VivitConfig {
    int64_t image_size = 224;
    int64_t num_frames = 32;
    std::array<int64_t, 3> tubelet_size = {2, 16, 16};
    int64_t num_channels = 3;
    int64_t hidden_size = 768;
    int64_t num_hidden_layers = 12;
    int64_t num_attention_heads = 12;
    int64_t intermediate_size = 3072;
    std::string hidden_act = "gelu_fast";
    double hidden_dropout_prob = 0.0;
    double attention_probs_dropout_prob = 0.0;
    double initializer_range = 0.02;
    double layer_norm_eps = 1e-6;
    bool qkv_bias = true;
    bool factorised_encoder = false;
    int64_t num_temporal_layers = 0;
    // Scenic lets the temporal encoder have its own heads and MLP width (0: the spatial ones;
    // every released checkpoint uses the same).
    int64_t temporal_num_attention_heads = 0;
    int64_t temporal_intermediate_size = 0;
    std::vector<HeadSplit> heads;  // empty: one softmax over all labels
    CommonConfig common;
};

// transformers VideoMAEConfig.
struct VideoMAEConfig {
    int64_t image_size = 224;
    int64_t patch_size = 16;
    int64_t num_channels = 3;
    int64_t num_frames = 16;
    int64_t tubelet_size = 2;
    int64_t hidden_size = 768;
    int64_t num_hidden_layers = 12;
    int64_t num_attention_heads = 12;
    int64_t intermediate_size = 3072;
    std::string hidden_act = "gelu";
    double hidden_dropout_prob = 0.0;
    double attention_probs_dropout_prob = 0.0;
    double initializer_range = 0.02;
    double layer_norm_eps = 1e-12;
    bool qkv_bias = true;
    bool use_mean_pooling = true;
    int64_t decoder_num_attention_heads = 6;
    int64_t decoder_hidden_size = 384;
    int64_t decoder_num_hidden_layers = 4;
    int64_t decoder_intermediate_size = 1536;
    bool norm_pix_loss = true;
    CommonConfig common;
};

using ModelConfig = std::variant<VivitConfig, VideoMAEConfig>;

const CommonConfig& common_config(const ModelConfig& config);
std::string model_type(const ModelConfig& config);  // "vivit", "vivit_factorised_encoder" or "videomae"
int64_t config_num_frames(const ModelConfig& config);
int64_t config_image_size(const ModelConfig& config);

// Parses config.json text; `source` names the file in errors. Unknown model_type, a key of
// the wrong type or an impossible value (e.g. hidden_size not divisible by heads) -> Error.
ModelConfig parse_model_config(const std::string& json_text, const std::string& source);
ModelConfig load_model_config(const std::string& path);

// Sets config["id2label"] = {"0": name, ...} and config["label2id"] = {name: 0, ...} as HF's
// config and converters write them.
void add_label_maps(const std::vector<std::string>& labels, nlohmann::json& config);

// config.json as HF's save_pretrained writes it for this config: architectures, every
// model field, id2label/label2id, model_type, torch_dtype (keys sorted, 2-space indent).
std::string model_config_to_json(const ModelConfig& config);

}  // namespace vivid
