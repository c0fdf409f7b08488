#include "formats/model_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "vivid/vivid.h"
#include "core/mapped_file.h"

namespace vivid {
namespace {

using nlohmann::json;

// Reads config fields with HF's defaults: a struct's initial values ARE the defaults of the
// HF class (VivitConfig / VideoMAEConfig / PretrainedConfig), so an absent key keeps them.
class FieldReader {
public:
    FieldReader(const json& j, const std::string& source) : j_(j), source_(source) {}

    void get(const char* key, int64_t& out) {
        if (!present(key)) return;
        const json& v = j_[key];
        if (!v.is_number_integer()) fail(key, "an integer");
        out = v.get<int64_t>();
    }
    void get(const char* key, double& out) {
        if (!present(key)) return;
        const json& v = j_[key];
        if (!v.is_number()) fail(key, "a number");
        out = v.get<double>();
    }
    void get(const char* key, bool& out) {
        if (!present(key)) return;
        const json& v = j_[key];
        if (!v.is_boolean()) fail(key, "true or false");
        out = v.get<bool>();
    }
    void get(const char* key, std::string& out) {
        if (!present(key)) return;
        const json& v = j_[key];
        if (!v.is_string()) fail(key, "a string");
        out = v.get<std::string>();
    }
    // ViViT's tubelet_size is a list of three; an int is accepted as [t, t, t]? HF requires a list.
    void get(const char* key, std::array<int64_t, 3>& out) {
        if (!present(key)) return;
        const json& v = j_[key];
        if (!v.is_array() || v.size() != 3) fail(key, "a list of 3 integers");
        for (std::size_t i = 0; i < 3; ++i) {
            if (!v[i].is_number_integer()) fail(key, "a list of 3 integers");
            out[i] = v[i].get<int64_t>();
        }
    }
    void common(CommonConfig& c) {
        if (present("architectures")) {
            const json& v = j_["architectures"];
            if (!v.is_array()) fail("architectures", "a list of strings");
            for (const json& a : v) {
                if (!a.is_string()) fail("architectures", "a list of strings");
                c.architectures.push_back(a.get<std::string>());
            }
        }
        get("torch_dtype", c.torch_dtype);
        get("frame_sampling_rate", c.frame_sampling_rate);
        if (c.frame_sampling_rate < 0 || c.frame_sampling_rate > 1024)
            throw Error(source_, "config key 'frame_sampling_rate' must be 1 to 1024 (0: not stated), got " +
                                     std::to_string(c.frame_sampling_rate));
        read_labels(c);
    }

private:
    bool present(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
    [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
        throw Error(source_, "config key '" + key + "' must be " + expected + ", got " + j_[key].dump());
    }

    // PretrainedConfig: id2label wins; else num_labels makes LABEL_i; else 2 labels.
    void read_labels(CommonConfig& c) {
        if (present("id2label")) {
            const json& m = j_["id2label"];
            if (!m.is_object()) fail("id2label", "an object of index -> label");
            c.id2label.assign(m.size(), std::string());
            std::vector<bool> seen(m.size(), false);
            for (auto it = m.begin(); it != m.end(); ++it) {
                std::size_t idx = 0;
                try {
                    std::size_t used = 0;
                    idx = std::stoul(it.key(), &used);
                    if (used != it.key().size()) throw std::invalid_argument("");
                } catch (const std::exception&) {
                    throw Error(source_, "id2label key '" + it.key() + "' is not an index");
                }
                if (idx >= m.size() || seen[idx])
                    throw Error(source_, "id2label indices must be 0.." + std::to_string(m.size() - 1) +
                                             " without gaps, got '" + it.key() + "'");
                if (!it.value().is_string()) throw Error(source_, "id2label['" + it.key() + "'] is not a string");
                seen[idx] = true;
                c.id2label[idx] = it.value().get<std::string>();
            }
            return;
        }
        int64_t n = 2;
        get("num_labels", n);
        // Each label becomes a string before the weights can show the head is that wide, so the
        // bound is tight: far above any video dataset (Kinetics-700, SSv2's 174) and above
        // ImageNet-21k's 21843. (id2label needs no bound: each name is in the file.)
        constexpr int64_t kMaxLabels = 65536;
        if (n < 0 || n > kMaxLabels)
            throw Error(source_, "config key 'num_labels' is " + std::to_string(n) + ", outside vivid's range 0.." +
                                     std::to_string(kMaxLabels));
        c.id2label.reserve(static_cast<std::size_t>(n));
        for (int64_t i = 0; i < n; ++i) c.id2label.push_back("LABEL_" + std::to_string(i));
    }

    const json& j_;
    std::string source_;
};

// Upper bounds far above any real model (ViViT-H: 1280 wide, 5120 MLP, 32 layers), low enough
// that every size vivid derives from them (tokens x width, patch lengths, weight shapes) fits in
// int64 and a crafted config is refused here, not met as an overflow or a giant allocation.
constexpr int64_t kMaxInputSize = 65536;    // image_size, num_frames (and the patch sizes dividing them)
constexpr int64_t kMaxChannels = 1024;
constexpr int64_t kMaxWidth = int64_t{1} << 20;  // hidden / intermediate sizes
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxTokens = int64_t{1} << 20;  // patches per clip (ViViT-B: 3136)

void require_at_most(const std::string& source, const char* key, int64_t v, int64_t limit) {
    if (v > limit)
        throw Error(source, "config key '" + std::string(key) + "' is " + std::to_string(v) + ", over vivid's limit of " +
                                std::to_string(limit));
}

void require_positive(const std::string& source, const char* key, int64_t v) {
    if (v <= 0) throw Error(source, "config key '" + std::string(key) + "' must be positive, got " + std::to_string(v));
}

void require_tokens(const std::string& source, int64_t frames_per_tubelet, int64_t rows, int64_t columns) {
    // Each factor is at most kMaxInputSize, so the product fits in int64.
    const int64_t tokens = frames_per_tubelet * rows * columns;
    if (tokens > kMaxTokens)
        throw Error(source, "the config makes " + std::to_string(tokens) + " patches per clip, over vivid's limit of " +
                                std::to_string(kMaxTokens));
}

void require_divides(const std::string& source, const std::string& what, int64_t a, const std::string& by, int64_t b) {
    if (b <= 0 || a % b != 0)
        throw Error(source, what + " (" + std::to_string(a) + ") is not divisible by " + by + " (" + std::to_string(b) + ")");
}

// Every config field by its HF key, once: parsing and saving both walk these lists.
// C is the config type, const or not; f(key, field) is called for each field.
template <typename C, typename F>
void shared_fields(C& c, F&& f) {
    f("image_size", c.image_size);
    f("num_frames", c.num_frames);
    f("tubelet_size", c.tubelet_size);
    f("num_channels", c.num_channels);
    f("hidden_size", c.hidden_size);
    f("num_hidden_layers", c.num_hidden_layers);
    f("num_attention_heads", c.num_attention_heads);
    f("intermediate_size", c.intermediate_size);
    f("hidden_act", c.hidden_act);
    f("hidden_dropout_prob", c.hidden_dropout_prob);
    f("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
    f("initializer_range", c.initializer_range);
    f("layer_norm_eps", c.layer_norm_eps);
    f("qkv_bias", c.qkv_bias);
}

template <typename C, typename F>
void videomae_fields(C& c, F&& f) {
    shared_fields(c, f);
    f("patch_size", c.patch_size);
    f("use_mean_pooling", c.use_mean_pooling);
    f("decoder_num_attention_heads", c.decoder_num_attention_heads);
    f("decoder_hidden_size", c.decoder_hidden_size);
    f("decoder_num_hidden_layers", c.decoder_num_hidden_layers);
    f("decoder_intermediate_size", c.decoder_intermediate_size);
    f("norm_pix_loss", c.norm_pix_loss);
}

template <typename C>
void require_valid_shared(const C& c, const std::string& source) {
    for (auto [k, v] : {std::pair{"image_size", c.image_size}, {"num_frames", c.num_frames},
                        {"num_channels", c.num_channels}, {"hidden_size", c.hidden_size},
                        {"num_attention_heads", c.num_attention_heads},
                        {"intermediate_size", c.intermediate_size}})
        require_positive(source, k, v);
    if (c.num_hidden_layers < 0) throw Error(source, "config key 'num_hidden_layers' must not be negative");
    require_at_most(source, "image_size", c.image_size, kMaxInputSize);
    require_at_most(source, "num_frames", c.num_frames, kMaxInputSize);
    require_at_most(source, "num_channels", c.num_channels, kMaxChannels);
    require_at_most(source, "hidden_size", c.hidden_size, kMaxWidth);
    require_at_most(source, "intermediate_size", c.intermediate_size, kMaxWidth);
    require_at_most(source, "num_hidden_layers", c.num_hidden_layers, kMaxLayers);
    require_divides(source, "hidden_size", c.hidden_size, "num_attention_heads", c.num_attention_heads);
}

// "heads": [{"name": "noun", "size": 300}, ...]: sizes cover id2label exactly, in order.
std::vector<HeadSplit> parse_heads(const json& j, int64_t num_labels, const std::string& source) {
    std::vector<HeadSplit> heads;
    if (!j.contains("heads")) return heads;
    const json& v = j["heads"];
    const char* shape = "config key 'heads' must be a list of {\"name\": string, \"size\": integer}";
    if (!v.is_array() || v.size() > 16) throw Error(source, shape);
    int64_t total = 0;
    for (const json& h : v) {
        if (!h.is_object() || !h.contains("name") || !h["name"].is_string() || !h.contains("size") ||
            !h["size"].is_number_integer())
            throw Error(source, shape);
        heads.push_back({h["name"].get<std::string>(), h["size"].get<int64_t>()});
        if (heads.back().size < 1 || heads.back().size > num_labels)
            throw Error(source, "head '" + heads.back().name + "' has size " + std::to_string(heads.back().size) +
                                    " (1 to the " + std::to_string(num_labels) + " labels)");
        total += heads.back().size;
    }
    if (!heads.empty() && total != num_labels)
        throw Error(source, "the heads' sizes add up to " + std::to_string(total) + " but id2label has " +
                                std::to_string(num_labels) + " labels");
    return heads;
}

VivitConfig parse_vivit(const json& j, const std::string& source, bool factorised) {
    VivitConfig c;
    FieldReader r(j, source);
    shared_fields(c, [&](const char* key, auto& field) { r.get(key, field); });
    r.common(c.common);
    c.factorised_encoder = factorised;
    if (factorised) {
        c.num_temporal_layers = 4;  // Scenic's ViViT-B/16x2 FE config
        r.get("num_temporal_layers", c.num_temporal_layers);
        if (c.num_temporal_layers < 0) throw Error(source, "config key 'num_temporal_layers' must not be negative");
        require_at_most(source, "num_temporal_layers", c.num_temporal_layers, kMaxLayers);
        c.temporal_num_attention_heads = c.num_attention_heads;
        c.temporal_intermediate_size = c.intermediate_size;
        r.get("temporal_num_attention_heads", c.temporal_num_attention_heads);
        r.get("temporal_intermediate_size", c.temporal_intermediate_size);
        require_positive(source, "temporal_num_attention_heads", c.temporal_num_attention_heads);
        require_positive(source, "temporal_intermediate_size", c.temporal_intermediate_size);
        require_at_most(source, "temporal_intermediate_size", c.temporal_intermediate_size, kMaxWidth);
        require_divides(source, "hidden_size", c.hidden_size, "temporal_num_attention_heads",
                        c.temporal_num_attention_heads);
        c.heads = parse_heads(j, c.common.num_labels(), source);
    }
    require_valid_shared(c, source);
    for (int64_t t : c.tubelet_size) require_positive(source, "tubelet_size", t);
    require_divides(source, "num_frames", c.num_frames, "tubelet_size[0]", c.tubelet_size[0]);
    require_divides(source, "image_size", c.image_size, "tubelet_size[1]", c.tubelet_size[1]);
    require_divides(source, "image_size", c.image_size, "tubelet_size[2]", c.tubelet_size[2]);
    require_tokens(source, c.num_frames / c.tubelet_size[0], c.image_size / c.tubelet_size[1],
                   c.image_size / c.tubelet_size[2]);
    return c;
}

VideoMAEConfig parse_videomae(const json& j, const std::string& source) {
    VideoMAEConfig c;
    FieldReader r(j, source);
    videomae_fields(c, [&](const char* key, auto& field) { r.get(key, field); });
    r.common(c.common);
    require_valid_shared(c, source);
    for (auto [k, v] : {std::pair{"patch_size", c.patch_size}, {"tubelet_size", c.tubelet_size},
                        {"decoder_num_attention_heads", c.decoder_num_attention_heads},
                        {"decoder_hidden_size", c.decoder_hidden_size},
                        {"decoder_intermediate_size", c.decoder_intermediate_size}})
        require_positive(source, k, v);
    if (c.decoder_num_hidden_layers < 0) throw Error(source, "config key 'decoder_num_hidden_layers' must not be negative");
    require_at_most(source, "decoder_hidden_size", c.decoder_hidden_size, kMaxWidth);
    require_at_most(source, "decoder_intermediate_size", c.decoder_intermediate_size, kMaxWidth);
    require_at_most(source, "decoder_num_hidden_layers", c.decoder_num_hidden_layers, kMaxLayers);
    require_divides(source, "decoder_hidden_size", c.decoder_hidden_size, "decoder_num_attention_heads",
                    c.decoder_num_attention_heads);
    require_divides(source, "num_frames", c.num_frames, "tubelet_size", c.tubelet_size);
    require_divides(source, "image_size", c.image_size, "patch_size", c.patch_size);
    require_tokens(source, c.num_frames / c.tubelet_size, c.image_size / c.patch_size, c.image_size / c.patch_size);
    return c;
}

bool default_labels(const CommonConfig& c) {
    return c.id2label == std::vector<std::string>{"LABEL_0", "LABEL_1"};
}

// save_pretrained writes only what differs from PretrainedConfig's defaults, so the default
// two LABEL_i labels are left out, as in HF's pre-training configs.
void common_to_json(const CommonConfig& c, json& j) {
    j["architectures"] = c.architectures;
    if (!default_labels(c)) add_label_maps(c.id2label, j);
    j["torch_dtype"] = c.torch_dtype;
    if (c.frame_sampling_rate > 0) j["frame_sampling_rate"] = c.frame_sampling_rate;
}

}  // namespace

const CommonConfig& common_config(const ModelConfig& config) {
    return std::visit([](const auto& c) -> const CommonConfig& { return c.common; }, config);
}

std::string model_type(const ModelConfig& config) {
    if (const auto* v = std::get_if<VivitConfig>(&config))
        return v->factorised_encoder ? "vivit_factorised_encoder" : "vivit";
    return "videomae";
}

int64_t config_num_frames(const ModelConfig& config) {
    return std::visit([](const auto& c) { return c.num_frames; }, config);
}

int64_t config_image_size(const ModelConfig& config) {
    return std::visit([](const auto& c) { return c.image_size; }, config);
}

ModelConfig parse_model_config(const std::string& json_text, const std::string& source) {
    json j;
    try {
        j = json::parse(json_text);
    } catch (const json::exception& e) {
        throw Error(source, "not valid JSON");
    }
    if (!j.is_object()) throw Error(source, "config is not a JSON object");
    if (!j.contains("model_type") || !j["model_type"].is_string())
        throw Error(source, "missing 'model_type' (expected \"vivit\", \"vivit_factorised_encoder\" or \"videomae\")");
    const std::string type = j["model_type"].get<std::string>();
    if (type == "vivit") return parse_vivit(j, source, false);
    if (type == "vivit_factorised_encoder") return parse_vivit(j, source, true);
    if (type == "videomae") return parse_videomae(j, source);
    throw Error(source, "unknown model_type '" + type +
                            "' (vivid supports \"vivit\", \"vivit_factorised_encoder\" and \"videomae\")");
}

ModelConfig load_model_config(const std::string& path) {
    auto storage = map_file(path);
    return parse_model_config(std::string(reinterpret_cast<const char*>(storage->data()), storage->size()),
                              path);
}

std::string model_config_to_json(const ModelConfig& config) {
    json j;
    const auto put = [&](const char* key, const auto& field) { j[key] = field; };
    if (const auto* v = std::get_if<VivitConfig>(&config)) {
        shared_fields(*v, put);
        common_to_json(v->common, j);
        if (v->factorised_encoder) {
            j["num_temporal_layers"] = v->num_temporal_layers;
            if (v->temporal_num_attention_heads != v->num_attention_heads)
                j["temporal_num_attention_heads"] = v->temporal_num_attention_heads;
            if (v->temporal_intermediate_size != v->intermediate_size)
                j["temporal_intermediate_size"] = v->temporal_intermediate_size;
        }
        for (const HeadSplit& h : v->heads) j["heads"].push_back({{"name", h.name}, {"size", h.size}});
    } else {
        const auto& m = std::get<VideoMAEConfig>(config);
        videomae_fields(m, put);
        common_to_json(m.common, j);
    }
    j["model_type"] = model_type(config);
    return j.dump(2) + "\n";
}

void add_label_maps(const std::vector<std::string>& labels, nlohmann::json& config) {
    json id2label = json::object();
    json label2id = json::object();
    for (std::size_t i = 0; i < labels.size(); ++i) {
        id2label[std::to_string(i)] = labels[i];
        label2id[labels[i]] = static_cast<int64_t>(i);
    }
    config["id2label"] = std::move(id2label);
    config["label2id"] = std::move(label2id);
}

}  // namespace vivid
