// Every conversion preset converts a checkpoint of its shape: the test writes a random state
// dict with the original names (MCG-NJU VideoMAE, Scenic ViViT) and the shapes the upstream
// converter's architecture table implies, converts it with the preset, and checks each HF
// weight's shape and bits against an independent index computation. Small and base models
// (and ViViT-B) are then built and run once on a random clip.
//
// The architectures below are transcribed from transformers' convert_videomae_to_pytorch.py
// @ 01080c62 (set_architecture_configs; "base" = VideoMAEConfig defaults) and
// convert_vivit_flax_to_pytorch.py, not read from presets.json, so a preset that disagrees
// with the upstream script fails here.
#include "convert/presets.h"
#include "test_support.h"
#include "convert/convert.h"
#include "vivid/vivid.h"
#include "models/model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>

namespace vivid {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Random tensors (deterministic, fast: splitmix64, two floats per draw).

class Random {
public:
    explicit Random(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [center - half_width, center + half_width).
    void fill(Tensor& t, float center, float half_width) {
        float* p = t.data_mut<float>();
        const int64_t n = t.numel();
        constexpr float scale = 1.0f / 4294967296.0f;
        for (int64_t i = 0; i < n; i += 2) {
            const uint64_t r = next();
            p[i] = center + half_width * (2.0f * static_cast<float>(r & 0xffffffffu) * scale - 1.0f);
            if (i + 1 < n) p[i + 1] = center + half_width * (2.0f * static_cast<float>(r >> 32) * scale - 1.0f);
        }
    }

private:
    uint64_t state_;
};

Tensor random_tensor(Random& rng, const Shape& shape, float center = 0.0f, float half_width = 0.05f) {
    Tensor t = Tensor::zeros(DType::F32, shape);
    rng.fill(t, center, half_width);
    return t;
}

// ---------------------------------------------------------------------------------------------
// What a source tensor becomes: HF name and shape, and how HF element i is found in the
// source. The source (viewed with `source_view` after skipping `source_offset` elements) is
// permuted by `perm` to give the HF tensor.

struct ExpectedWeight {
    std::string hf_name;
    Shape hf_shape;
    std::string source_name;
    Shape source_view;
    std::vector<int> perm;
    int64_t source_offset = 0;
};

struct SourceCheckpoint {
    TensorMap tensors;
    std::vector<ExpectedWeight> expected;
};

std::vector<int> identity_perm(std::size_t rank) {
    std::vector<int> p(rank);
    for (std::size_t i = 0; i < rank; ++i) p[i] = static_cast<int>(i);
    return p;
}

// Adds a source tensor that the converter copies (possibly renamed).
void add_copied(SourceCheckpoint& c, Random& rng, const std::string& source, const std::string& hf,
                const Shape& shape) {
    const bool is_norm_scale = source.find("norm") != std::string::npos &&
                               (source.ends_with(".weight") || source.ends_with("/scale"));
    c.tensors[source] = random_tensor(rng, shape, is_norm_scale ? 1.0f : 0.0f, 0.05f);
    c.expected.push_back({hf, shape, source, shape, identity_perm(shape.size())});
}

// ---------------------------------------------------------------------------------------------
// VideoMAE (original MCG-NJU names).

struct VideoMAEArch {
    int64_t hidden, intermediate, layers, heads;
    int64_t decoder_hidden, decoder_intermediate, decoder_layers, decoder_heads;
};

// convert_videomae_to_pytorch.py set_architecture_configs; "base" keeps VideoMAEConfig's defaults.
VideoMAEArch videomae_arch(const std::string& preset) {
    if (preset.find("small") != std::string::npos) return {384, 1536, 12, 16, 192, 768, 12, 3};
    if (preset.find("large") != std::string::npos) return {1024, 4096, 24, 16, 512, 2048, 12, 8};
    if (preset.find("huge") != std::string::npos) return {1280, 5120, 32, 16, 640, 2560, 12, 8};
    return {768, 3072, 12, 12, 384, 1536, 4, 6};
}

constexpr int64_t kTubelet = 2, kPatch = 16, kChannels = 3, kFrames = 16, kImage = 224;
constexpr int64_t kDecoderOutputs = kChannels * kTubelet * kPatch * kPatch;  // 1536

// One original block (timm-style Attention with q_bias/v_bias and a fused qkv weight).
void add_videomae_block(SourceCheckpoint& c, Random& rng, const std::string& src, const std::string& hf,
                        int64_t d, int64_t inner) {
    add_copied(c, rng, src + "norm1.weight", hf + "layernorm_before.weight", {d});
    add_copied(c, rng, src + "norm1.bias", hf + "layernorm_before.bias", {d});
    add_copied(c, rng, src + "attn.q_bias", hf + "attention.attention.q_bias", {d});
    add_copied(c, rng, src + "attn.v_bias", hf + "attention.attention.v_bias", {d});
    const std::string qkv = src + "attn.qkv.weight";
    c.tensors[qkv] = random_tensor(rng, {3 * d, d});
    const char* parts[] = {"query", "key", "value"};
    for (int64_t part = 0; part < 3; ++part) {
        c.expected.push_back({hf + "attention.attention." + parts[part] + ".weight", {d, d}, qkv, {d, d}, {0, 1},
                              part * d * d});
    }
    add_copied(c, rng, src + "attn.proj.weight", hf + "attention.output.dense.weight", {d, d});
    add_copied(c, rng, src + "attn.proj.bias", hf + "attention.output.dense.bias", {d});
    add_copied(c, rng, src + "norm2.weight", hf + "layernorm_after.weight", {d});
    add_copied(c, rng, src + "norm2.bias", hf + "layernorm_after.bias", {d});
    add_copied(c, rng, src + "mlp.fc1.weight", hf + "intermediate.dense.weight", {inner, d});
    add_copied(c, rng, src + "mlp.fc1.bias", hf + "intermediate.dense.bias", {inner});
    add_copied(c, rng, src + "mlp.fc2.weight", hf + "output.dense.weight", {d, inner});
    add_copied(c, rng, src + "mlp.fc2.bias", hf + "output.dense.bias", {d});
}

// A fine-tuned checkpoint (mean pooling: fc_norm, no final norm) or a pre-training one
// (encoder.* with encoder.norm, encoder_to_decoder, mask_token, decoder.*).
SourceCheckpoint videomae_checkpoint(const VideoMAEArch& a, bool pretraining, int64_t num_labels, uint64_t seed) {
    Random rng(seed);
    SourceCheckpoint c;
    const std::string enc = pretraining ? "encoder." : "";
    const int64_t d = a.hidden;
    add_copied(c, rng, enc + "patch_embed.proj.weight", "videomae.embeddings.patch_embeddings.projection.weight",
               {d, kChannels, kTubelet, kPatch, kPatch});
    add_copied(c, rng, enc + "patch_embed.proj.bias", "videomae.embeddings.patch_embeddings.projection.bias", {d});
    for (int64_t i = 0; i < a.layers; ++i) {
        const std::string n = std::to_string(i);
        add_videomae_block(c, rng, enc + "blocks." + n + ".", "videomae.encoder.layer." + n + ".", d, a.intermediate);
    }
    if (!pretraining) {
        add_copied(c, rng, "fc_norm.weight", "fc_norm.weight", {d});
        add_copied(c, rng, "fc_norm.bias", "fc_norm.bias", {d});
        add_copied(c, rng, "head.weight", "classifier.weight", {num_labels, d});
        add_copied(c, rng, "head.bias", "classifier.bias", {num_labels});
        return c;
    }
    const int64_t dd = a.decoder_hidden;
    add_copied(c, rng, "encoder.norm.weight", "videomae.layernorm.weight", {d});
    add_copied(c, rng, "encoder.norm.bias", "videomae.layernorm.bias", {d});
    add_copied(c, rng, "encoder_to_decoder.weight", "encoder_to_decoder.weight", {dd, d});
    add_copied(c, rng, "mask_token", "mask_token", {1, 1, dd});
    for (int64_t i = 0; i < a.decoder_layers; ++i) {
        const std::string n = std::to_string(i);
        add_videomae_block(c, rng, "decoder.blocks." + n + ".", "decoder.decoder_layers." + n + ".", dd,
                           a.decoder_intermediate);
    }
    add_copied(c, rng, "decoder.norm.weight", "decoder.norm.weight", {dd});
    add_copied(c, rng, "decoder.norm.bias", "decoder.norm.bias", {dd});
    add_copied(c, rng, "decoder.head.weight", "decoder.head.weight", {kDecoderOutputs, dd});
    add_copied(c, rng, "decoder.head.bias", "decoder.head.bias", {kDecoderOutputs});
    return c;
}

// ---------------------------------------------------------------------------------------------
// ViViT-B/16x2 (Scenic Flax paths under optimizer/target, as read by the Flax reader).

constexpr int64_t kVivitHidden = 768, kVivitHeads = 12, kVivitInner = 3072, kVivitLayers = 12;
constexpr int64_t kVivitFrames = 32;
constexpr int64_t kVivitTokens = 1 + (kVivitFrames / 2) * (kImage / 16) * (kImage / 16);  // 3137

// One Scenic encoder: `<src>/encoderblock_i/...` and `<src>/encoder_norm` -> HF `<layers>i.` and `<norm>`.
void add_vivit_encoder(SourceCheckpoint& c, Random& rng, const std::string& src, const std::string& layers,
                       const std::string& norm, int64_t depth, int64_t d, int64_t h, int64_t inner) {
    const int64_t dh = d / h;
    auto add_transposed = [&](const std::string& from, const std::string& hf, int64_t in, int64_t out) {
        c.tensors[from] = random_tensor(rng, {in, out});
        c.expected.push_back({hf, {out, in}, from, {in, out}, {1, 0}});
    };
    for (int64_t i = 0; i < depth; ++i) {
        const std::string blk = src + "/encoderblock_" + std::to_string(i) + "/";
        const std::string hf = layers + std::to_string(i) + ".";
        add_copied(c, rng, blk + "LayerNorm_0/scale", hf + "layernorm_before.weight", {d});
        add_copied(c, rng, blk + "LayerNorm_0/bias", hf + "layernorm_before.bias", {d});
        add_copied(c, rng, blk + "LayerNorm_1/scale", hf + "layernorm_after.weight", {d});
        add_copied(c, rng, blk + "LayerNorm_1/bias", hf + "layernorm_after.bias", {d});
        const std::string att = blk + "MultiHeadDotProductAttention_0/";
        for (const char* part : {"query", "key", "value"}) {
            // (in, heads, head_dim) -> (in, heads*head_dim) -> Linear (heads*head_dim, in).
            const std::string kernel = att + part + "/kernel";
            c.tensors[kernel] = random_tensor(rng, {d, h, dh});
            c.expected.push_back({hf + "attention.attention." + part + ".weight", {d, d}, kernel, {d, d}, {1, 0}});
            const std::string bias = att + part + "/bias";
            c.tensors[bias] = random_tensor(rng, {h, dh});
            c.expected.push_back({hf + "attention.attention." + part + ".bias", {d}, bias, {d}, {0}});
        }
        // (heads, head_dim, out) -> (heads*head_dim, out) -> Linear (out, heads*head_dim).
        c.tensors[att + "out/kernel"] = random_tensor(rng, {h, dh, d});
        c.expected.push_back({hf + "attention.output.dense.weight", {d, d}, att + "out/kernel", {d, d}, {1, 0}});
        add_copied(c, rng, att + "out/bias", hf + "attention.output.dense.bias", {d});
        add_transposed(blk + "MlpBlock_0/Dense_0/kernel", hf + "intermediate.dense.weight", d, inner);
        add_copied(c, rng, blk + "MlpBlock_0/Dense_0/bias", hf + "intermediate.dense.bias", {inner});
        add_transposed(blk + "MlpBlock_0/Dense_1/kernel", hf + "output.dense.weight", inner, d);
        add_copied(c, rng, blk + "MlpBlock_0/Dense_1/bias", hf + "output.dense.bias", {d});
    }
    add_copied(c, rng, src + "/encoder_norm/scale", norm + "weight", {d});
    add_copied(c, rng, src + "/encoder_norm/bias", norm + "bias", {d});
}

// The tubelet embedding (Conv3d kernel (t, h, w, in, out) -> (out, in, t, h, w)).
void add_vivit_embedding(SourceCheckpoint& c, Random& rng, int64_t d) {
    c.tensors["embedding/kernel"] = random_tensor(rng, {2, 16, 16, 3, d});
    c.expected.push_back({"vivit.embeddings.patch_embeddings.projection.weight", {d, 3, 2, 16, 16},
                          "embedding/kernel", {2, 16, 16, 3, d}, {4, 3, 0, 1, 2}});
    add_copied(c, rng, "embedding/bias", "vivit.embeddings.patch_embeddings.projection.bias", {d});
}

void add_vivit_classifier(SourceCheckpoint& c, Random& rng, int64_t d, int64_t num_labels) {
    c.tensors["output_projection/kernel"] = random_tensor(rng, {d, num_labels});
    c.expected.push_back({"classifier.weight", {num_labels, d}, "output_projection/kernel", {d, num_labels}, {1, 0}});
    add_copied(c, rng, "output_projection/bias", "classifier.bias", {num_labels});
}

SourceCheckpoint vivit_checkpoint(int64_t num_labels, uint64_t seed) {
    Random rng(seed);
    SourceCheckpoint c;
    const int64_t d = kVivitHidden;
    add_vivit_embedding(c, rng, d);
    add_copied(c, rng, "cls", "vivit.embeddings.cls_token", {1, 1, d});
    add_copied(c, rng, "Transformer/posembed_input/pos_embedding", "vivit.embeddings.position_embeddings",
               {1, kVivitTokens, d});
    add_vivit_encoder(c, rng, "Transformer", "vivit.encoder.layer.", "vivit.layernorm.", kVivitLayers, d, kVivitHeads,
                      kVivitInner);
    add_vivit_classifier(c, rng, d, num_labels);
    return c;
}

// ---------------------------------------------------------------------------------------------
// ViViT factorised encoder (Scenic Model 2), sizes from Scenic's vivit_{base,large}_factorised_encoder
// configs @ a6c44383: B 768/12 heads/3072/12 spatial layers, L 1024/16/4096/24; 4 temporal layers.

struct FeArch {
    int64_t hidden, heads, inner, spatial_layers, temporal_layers;
};

FeArch fe_arch(const std::string& preset) {
    if (preset.find("vivit-l-") != std::string::npos) return {1024, 16, 4096, 24, 4};
    return {768, 12, 3072, 12, 4};
}

constexpr int64_t kFeSlots = kVivitFrames / 2, kFeSlotTokens = (kImage / 16) * (kImage / 16);  // 16, 196

SourceCheckpoint vivit_fe_checkpoint(const FeArch& a, int64_t num_labels, uint64_t seed) {
    Random rng(seed);
    SourceCheckpoint c;
    const int64_t d = a.hidden;
    add_vivit_embedding(c, rng, d);
    add_copied(c, rng, "cls_SpatialTransformer", "vivit.embeddings.cls_token", {1, 1, d});
    add_copied(c, rng, "SpatialTransformer/posembed_input/pos_embedding", "vivit.embeddings.position_embeddings",
               {1, 1 + kFeSlotTokens, d});
    add_vivit_encoder(c, rng, "SpatialTransformer", "vivit.encoder.layer.", "vivit.layernorm.", a.spatial_layers, d,
                      a.heads, a.inner);
    add_copied(c, rng, "cls_TemporalTransformer", "vivit.temporal_embeddings.cls_token", {1, 1, d});
    add_copied(c, rng, "TemporalTransformer/posembed_input/pos_embedding",
               "vivit.temporal_embeddings.position_embeddings", {1, 1 + kFeSlots, d});
    add_vivit_encoder(c, rng, "TemporalTransformer", "vivit.temporal_encoder.layer.", "vivit.temporal_layernorm.",
                      a.temporal_layers, d, a.heads, a.inner);
    add_vivit_classifier(c, rng, d, num_labels);
    return c;
}

// ---------------------------------------------------------------------------------------------
// Checks.

// Every element of the HF tensor equals, bit for bit, the source element the permutation names.
void expect_moved_bits(const ExpectedWeight& e, const Tensor& source, const Tensor& hf) {
    ASSERT_EQ(hf.dtype(), DType::F32) << e.hf_name;
    ASSERT_EQ(hf.shape(), e.hf_shape) << e.hf_name;
    ASSERT_TRUE(hf.is_contiguous()) << e.hf_name;
    ASSERT_TRUE(source.is_contiguous()) << e.source_name;
    const std::size_t rank = e.perm.size();
    ASSERT_EQ(e.source_view.size(), rank);
    // Permuted view of the source: HF axis k walks source axis perm[k].
    std::vector<int64_t> source_strides(rank, 1);
    for (std::size_t k = rank; k-- > 1;) source_strides[k - 1] = source_strides[k] * e.source_view[k];
    std::vector<int64_t> hf_sizes(rank), walk(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        hf_sizes[k] = e.source_view[static_cast<std::size_t>(e.perm[k])];
        walk[k] = source_strides[static_cast<std::size_t>(e.perm[k])];
    }
    ASSERT_EQ(shape_numel(Shape(hf_sizes)), hf.numel()) << e.hf_name;
    const uint32_t* src = reinterpret_cast<const uint32_t*>(source.raw()) + e.source_offset;
    const uint32_t* out = reinterpret_cast<const uint32_t*>(hf.raw());
    std::vector<int64_t> index(rank, 0);
    int64_t src_pos = 0, mismatches = 0, first_bad = -1;
    for (int64_t i = 0; i < hf.numel(); ++i) {
        if (out[i] != src[src_pos] && mismatches++ == 0) first_bad = i;
        for (std::size_t k = rank; k-- > 0;) {  // odometer over the HF index
            src_pos += walk[k];
            if (++index[k] < hf_sizes[k]) break;
            src_pos -= walk[k] * hf_sizes[k];
            index[k] = 0;
        }
    }
    EXPECT_EQ(mismatches, 0) << e.hf_name << " from " << e.source_name << ": first differing element " << first_bad;
}

void expect_weights_moved(const SourceCheckpoint& source, const ConvertedModel& converted) {
    std::set<std::string> expected_names;
    for (const ExpectedWeight& e : source.expected) {
        expected_names.insert(e.hf_name);
        auto it = converted.weights.find(e.hf_name);
        if (it == converted.weights.end()) {
            ADD_FAILURE() << "missing HF weight " << e.hf_name;
            continue;
        }
        expect_moved_bits(e, source.tensors.at(e.source_name), it->second);
    }
    for (const auto& [name, t] : converted.weights)
        EXPECT_TRUE(expected_names.count(name)) << "unexpected HF weight " << name;
    EXPECT_EQ(converted.weights.size(), expected_names.size());
}

// Labels per dataset: Kinetics-400 has 400 classes, Something-Something-v2 174.
// Pre-training presets ("videomae-base-ssv2") have no classifier.
int64_t expected_label_count(const std::string& preset) {
    const bool classifier = preset.find("finetuned") != std::string::npos || preset.find("vivit") != std::string::npos;
    if (!classifier) return 0;
    if (preset.find("epic-kitchens") != std::string::npos) return 300 + 97;  // nouns, then verbs
    if (preset.find("kinetics600") != std::string::npos) return 600;
    if (preset.find("ssv2") != std::string::npos) return 174;
    if (preset.find("kinetics") != std::string::npos) return 400;
    return 0;
}

bool is_pretraining_name(const std::string& preset) {
    return preset.find("vivit") == std::string::npos && expected_label_count(preset) == 0;
}

bool is_factorised_name(const std::string& preset) { return preset.find("-fe-") != std::string::npos; }

std::string expected_architecture(const std::string& preset) {
    if (is_factorised_name(preset)) return "VivitFactorisedEncoderForVideoClassification";
    if (preset.find("vivit") != std::string::npos) return "VivitForVideoClassification";
    return is_pretraining_name(preset) ? "VideoMAEForPreTraining" : "VideoMAEForVideoClassification";
}

void expect_videomae_fields(const json& config, const VideoMAEArch& a, bool pretraining) {
    EXPECT_EQ(config.at("model_type"), "videomae");
    EXPECT_EQ(config.at("hidden_size"), a.hidden);
    EXPECT_EQ(config.at("intermediate_size"), a.intermediate);
    EXPECT_EQ(config.at("num_hidden_layers"), a.layers);
    EXPECT_EQ(config.at("num_attention_heads"), a.heads);
    EXPECT_EQ(config.value("use_mean_pooling", true), !pretraining);
    if (pretraining) {
        EXPECT_EQ(config.at("decoder_hidden_size"), a.decoder_hidden);
        EXPECT_EQ(config.at("decoder_num_hidden_layers"), a.decoder_layers);
        EXPECT_EQ(config.at("decoder_num_attention_heads"), a.decoder_heads);
        EXPECT_EQ(config.at("decoder_intermediate_size"), a.decoder_intermediate);
    }
}

void expect_fe_fields(const json& config, const FeArch& a, const std::string& preset) {
    EXPECT_EQ(config.at("model_type"), "vivit_factorised_encoder");
    EXPECT_EQ(config.at("hidden_size"), a.hidden);
    EXPECT_EQ(config.at("num_attention_heads"), a.heads);
    EXPECT_EQ(config.at("intermediate_size"), a.inner);
    EXPECT_EQ(config.at("num_hidden_layers"), a.spatial_layers);
    EXPECT_EQ(config.at("num_temporal_layers"), a.temporal_layers);
    EXPECT_EQ(config.at("num_frames"), kVivitFrames);
    EXPECT_EQ(config.at("image_size"), kImage);
    EXPECT_EQ(config.at("tubelet_size"), json::array({2, 16, 16}));
    EXPECT_FALSE(config.contains("temporal_num_attention_heads"));  // the same as the spatial encoder's
    // Scenic evaluates Kinetics at every 2nd frame, EPIC-KITCHENS at every frame: recorded for classify.
    EXPECT_EQ(config.at("frame_sampling_rate"), preset.find("epic-kitchens") != std::string::npos ? 1 : 2);
    if (preset.find("epic-kitchens") != std::string::npos)
        EXPECT_EQ(config.at("heads"), json::parse(R"([{"name": "noun", "size": 300}, {"name": "verb", "size": 97}])"));
    else
        EXPECT_FALSE(config.contains("heads"));
}

// `arch` is what the converted config must say (the preset's, or a depth-truncated copy);
// `fe` the same for the factorised encoder.
void expect_config(const std::string& preset, const VideoMAEArch& arch, const ConvertedModel& converted,
                   const FeArch& fe) {
    const json config = json::parse(converted.config_json);
    EXPECT_EQ(config.at("architectures"), json::array({expected_architecture(preset)}));
    EXPECT_EQ(converted.architecture, expected_architecture(preset));
    const int64_t labels = expected_label_count(preset);
    if (labels > 0) {
        EXPECT_EQ(config.at("id2label").size(), static_cast<std::size_t>(labels));
        // Six EPIC-KITCHENS names are both a noun and a verb (brush, drink, filter, roll, water,
        // wrap): label2id, the inverse map, holds each once.
        const int64_t shared = preset.find("epic-kitchens") != std::string::npos ? 6 : 0;
        EXPECT_EQ(config.at("label2id").size(), static_cast<std::size_t>(labels - shared));
        EXPECT_EQ(common_config(converted.config).num_labels(), labels);
    }
    if (is_factorised_name(preset)) {
        expect_fe_fields(config, fe, preset);
    } else if (preset.find("vivit") != std::string::npos) {
        EXPECT_EQ(config.at("model_type"), "vivit");
        EXPECT_EQ(config.at("hidden_size"), kVivitHidden);
        EXPECT_EQ(config.at("num_frames"), kVivitFrames);
    } else {
        expect_videomae_fields(config, arch, is_pretraining_name(preset));
    }
    const json processor = json::parse(converted.preprocessor_json);
    EXPECT_EQ(processor, require_preset(preset).preprocessor_config);
    // What the upstream converters save: VideoMAE with mean = std = 0.5, ViViT zero-centred.
    if (preset.find("vivit") != std::string::npos) {
        EXPECT_EQ(processor.at("image_processor_type"), "VivitImageProcessor");
        EXPECT_EQ(processor.at("do_zero_centering"), true);
    } else {
        EXPECT_EQ(processor.at("image_processor_type"), "VideoMAEImageProcessor");
        EXPECT_EQ(processor.at("image_mean"), json::array({0.5, 0.5, 0.5}));
        EXPECT_EQ(processor.at("image_std"), json::array({0.5, 0.5, 0.5}));
    }
}

// VideoMAE tube masking: one random spatial mask of 90% of the 14x14 patches, the same for
// every one of the 8 time steps (the last num_masked tokens are what the decoder predicts).
Tensor tube_mask(uint64_t seed) {
    constexpr int64_t spatial = (kImage / kPatch) * (kImage / kPatch), steps = kFrames / kTubelet;
    constexpr int64_t masked = spatial * 9 / 10;  // 176, as int(0.9 * 196)
    std::vector<int64_t> order(spatial);
    for (int64_t i = 0; i < spatial; ++i) order[static_cast<std::size_t>(i)] = i;
    Random rng(seed);
    for (int64_t i = spatial - 1; i > 0; --i)
        std::swap(order[static_cast<std::size_t>(i)], order[rng.next() % static_cast<uint64_t>(i + 1)]);
    Tensor mask = Tensor::zeros(DType::Bool, {1, spatial * steps});
    auto* m = mask.data_mut<uint8_t>();
    for (int64_t t = 0; t < steps; ++t)
        for (int64_t k = 0; k < masked; ++k) m[t * spatial + order[static_cast<std::size_t>(k)]] = 1;
    return mask;
}

void expect_finite(const Tensor& t, const std::string& what) {
    ASSERT_EQ(t.dtype(), DType::F32) << what;
    const Tensor c = t.contiguous_copy();
    int64_t bad = 0;
    for (float v : c.span<float>()) bad += std::isfinite(v) ? 0 : 1;
    EXPECT_EQ(bad, 0) << what << " has non-finite values";
}

Tensor random_clip(int64_t frames, uint64_t seed) {
    Random rng(seed);
    return random_tensor(rng, {1, frames, kChannels, kImage, kImage}, 0.0f, 1.0f);
}


// ---------------------------------------------------------------------------------------------
// The presets and how heavily each is exercised.

enum class Depth {
    Forward,     // convert, check every weight, build the model and run it once
    Convert,     // convert (convert_state builds the model to check it) and check every weight
    FewLayers,   // as Convert, full layer widths but 2 encoder (and 2 decoder) layers: see below
};

// Cost control (CI: 2 cores, Release and ASan runs). One forward per network (small
// classifier, base pre-training, base classifier, ViViT-B) is enough to show a converted
// folder runs; presets that differ from those only by label count or training data are
// converted and checked weight for weight, without a forward.
// videomae-huge (632M parameters) needs ~8 GB at peak (checkpoint, converted weights, the
// model's own copy) and over 30 s, so it is converted at full width with two encoder layers,
// through `--config`-style request with the preset's config cut to that depth; the preset's
// full config is still checked against the upstream table. Under AddressSanitizer the same
// applies to videomae-large, and the ViViT forward (3137 tokens, minutes there) is skipped;
// its conversion and model build still run.
#if defined(__SANITIZE_ADDRESS__)
constexpr Depth kLargeDepth = Depth::FewLayers;
constexpr Depth kVivitDepth = Depth::Convert;
#else
constexpr Depth kLargeDepth = Depth::Convert;
constexpr Depth kVivitDepth = Depth::Forward;
#endif

struct PresetCase {
    std::string name;
    Depth depth;
    bool round_trip = false;  // also save_hf_folder, load_model and compare the logits
};

const std::vector<PresetCase>& preset_cases() {
    static const std::vector<PresetCase> cases = {
        {"videomae-small-finetuned-kinetics", Depth::Forward, true},
        {"videomae-small-finetuned-ssv2", Depth::Convert},
        {"videomae-base-short", Depth::Forward},
        {"videomae-base-short-finetuned-kinetics", Depth::Convert},
        {"videomae-base", Depth::Convert},
        {"videomae-base-finetuned-kinetics", Depth::Forward},
        {"videomae-large", kLargeDepth},
        {"videomae-large-finetuned-kinetics", kLargeDepth},
        {"videomae-huge-finetuned-kinetics", Depth::FewLayers},
        {"videomae-base-short-ssv2", Depth::Convert},
        {"videomae-base-short-finetuned-ssv2", Depth::Convert},
        {"videomae-base-ssv2", Depth::Convert},
        {"videomae-base-finetuned-ssv2", Depth::Convert},
        {"vivit-b-16x2-kinetics400", kVivitDepth},
        {"vivit-b-16x2-fe-kinetics400", kVivitDepth},
        {"vivit-l-16x2-fe-kinetics400", kLargeDepth},
        {"vivit-l-16x2-fe-kinetics600", Depth::FewLayers},
        {"vivit-l-16x2-fe-epic-kitchens", Depth::FewLayers},
    };
    return cases;
}

constexpr int64_t kFewLayers = 2;

VideoMAEArch arch_for(const PresetCase& pc) {
    VideoMAEArch a = videomae_arch(pc.name);
    if (pc.depth == Depth::FewLayers) a.layers = a.decoder_layers = kFewLayers;
    return a;
}

// The factorised encoder's architecture is the checkpoint's: FewLayers is a checkpoint with two
// spatial layers, which the preset converts with a warning, not a --config.
FeArch fe_arch_for(const PresetCase& pc) {
    FeArch a = fe_arch(pc.name);
    if (pc.depth == Depth::FewLayers) a.spatial_layers = kFewLayers;
    return a;
}

SourceCheckpoint checkpoint_for(const PresetCase& pc, uint64_t seed) {
    if (is_factorised_name(pc.name)) return vivit_fe_checkpoint(fe_arch_for(pc), expected_label_count(pc.name), seed);
    if (pc.name.find("vivit") != std::string::npos) return vivit_checkpoint(expected_label_count(pc.name), seed);
    return videomae_checkpoint(arch_for(pc), is_pretraining_name(pc.name), expected_label_count(pc.name), seed);
}

ConvertOptions request_for(const std::string& preset) {
    ConvertOptions request;
    request.from = preset.find("vivit") != std::string::npos ? CheckpointFormat::VivitFlax
                                                              : CheckpointFormat::VideoMAEPth;
    request.preset = preset;
    request.checkpoint = "random-" + preset;
    return request;
}

// Saved with save_hf_folder and loaded back, the model gives the same logits, and the file
// holds the same bits.
void expect_round_trip(const ConvertedModel& converted, const Tensor& clip, const Tensor& in_memory_logits) {
    test::TempDir tmp;
    const std::string dir = (tmp / "model").string();
    save_hf_folder(converted, dir, false);
    EXPECT_THROW(save_hf_folder(converted, dir, false), Error);  // non-empty without force

    std::string weights_file;
    {
        const TensorMap reloaded = load_model_weights(dir, weights_file);
        ASSERT_EQ(reloaded.size(), converted.weights.size());
        for (const auto& [name, t] : converted.weights) {
            const Tensor r = reloaded.at(name).contiguous_copy();
            ASSERT_EQ(r.shape(), t.shape()) << name;
            EXPECT_EQ(std::memcmp(r.raw(), t.raw(), t.nbytes()), 0) << name;
        }
    }
    EXPECT_EQ(json::parse(test::read_bytes(tmp / "model" / "config.json")), json::parse(converted.config_json));
    EXPECT_EQ(json::parse(test::read_bytes(tmp / "model" / "preprocessor_config.json")),
              json::parse(converted.preprocessor_json));

    auto loaded = load_model(dir);
    EXPECT_EQ(loaded->architecture(), converted.architecture);
    EXPECT_EQ(common_config(loaded->config()).num_labels(), common_config(converted.config).num_labels());
    const Tensor loaded_logits = loaded->forward(clip, nullptr).logits.contiguous_copy();
    ASSERT_EQ(loaded_logits.shape(), in_memory_logits.shape());
    const auto a = in_memory_logits.span<float>(), b = loaded_logits.span<float>();
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "logit " << i;
}

class PresetConversionTest : public ::testing::TestWithParam<PresetCase> {};

TEST_P(PresetConversionTest, ConvertsRandomCheckpointOfItsShape) {
    const PresetCase& pc = GetParam();
    const bool vivit = pc.name.find("vivit") != std::string::npos;
    const Preset& preset = require_preset(pc.name);
    if (!vivit) {  // the preset's own config, whatever depth the conversion below uses
        SCOPED_TRACE("preset config");
        expect_videomae_fields(preset.config, videomae_arch(pc.name), is_pretraining_name(pc.name));
    }
    ConvertOptions request = request_for(pc.name);
    std::optional<test::TempDir> config_dir;
    if (pc.depth == Depth::FewLayers && !vivit) {
        json config = preset.config;
        config["num_hidden_layers"] = kFewLayers;
        if (is_pretraining_name(pc.name)) config["decoder_num_hidden_layers"] = kFewLayers;
        config_dir.emplace();
        request.config = (config_dir->path() / "config.json").string();
        test::write_bytes(request.config, config.dump(2));
    }

    ConvertedModel converted;
    {
        const SourceCheckpoint source = checkpoint_for(pc, 1234);
        ASSERT_NO_THROW(converted = convert_state(request, source.tensors));
        expect_weights_moved(source, converted);
    }  // the source is released before the model is built: one model's weights at a time
    expect_config(pc.name, arch_for(pc), converted, fe_arch_for(pc));
    if (is_factorised_name(pc.name)) {
        // Only a checkpoint shallower than the preset says is worth a warning.
        ASSERT_EQ(converted.warnings.size(), pc.depth == Depth::FewLayers ? 1u : 0u);
        if (pc.depth == Depth::FewLayers) {
            EXPECT_EQ(converted.warnings[0], "preset " + pc.name +
                                                 ": num_hidden_layers is 24 but the checkpoint has 2 spatial layers; "
                                                 "converting what the checkpoint holds");
        }
    }

    const bool warns_heads = std::any_of(converted.warnings.begin(), converted.warnings.end(), [](const auto& w) {
        return w.find("16 attention heads") != std::string::npos;
    });
    EXPECT_EQ(warns_heads, pc.name.find("small") != std::string::npos) << "small: 16 heads of 24, not 6 of 64";

    if (pc.depth != Depth::Forward) return;
    const Tensor clip = random_clip(vivit ? kVivitFrames : kFrames, 7);
    const Tensor mask = tube_mask(11);
    Tensor logits;
    {
        auto model = build_model(converted.config, converted.weights, "random-" + pc.name);
        EXPECT_EQ(model->architecture(), expected_architecture(pc.name));
        const ModelOutputs out = model->forward(clip, model->is_pretraining() ? &mask : nullptr);
        EXPECT_EQ(out.logits.shape(), preset.expected_logits_shape);
        expect_finite(out.logits, "logits");
        if (model->is_pretraining()) {
            ASSERT_TRUE(out.loss.defined());
            EXPECT_EQ(out.loss.numel(), 1);
            expect_finite(out.loss, "loss");
        }
        logits = out.logits.contiguous_copy();
    }
    if (pc.round_trip) expect_round_trip(converted, clip, logits);
}

INSTANTIATE_TEST_SUITE_P(PresetConversion, PresetConversionTest, ::testing::ValuesIn(preset_cases()),
                         [](const ::testing::TestParamInfo<PresetCase>& info) {
                             std::string name = info.param.name;
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

TEST(PresetConversionCoverage, EveryPresetIsExercised) {
    std::set<std::string> covered;
    for (const PresetCase& pc : preset_cases()) covered.insert(pc.name);
    std::size_t v2 = 0;  // VideoMAE V2's (patch 14, V2 file layouts): videomae_v2_conversion_test.cpp
    for (const std::string& name : preset_names()) {
        if (name.starts_with("videomae-v2-")) {
            ++v2;
            continue;
        }
        EXPECT_TRUE(covered.count(name)) << name << " has no test";
    }
    EXPECT_EQ(covered.size() + v2, preset_names().size());
}

// Scenic's released ViViT-B/16x2 FE has 12 temporal layers where its config (and so the preset)
// says 4: the checkpoint's depth wins, with one warning line, and every weight is converted.
TEST(FactorisedPresetConversion, ACheckpointDeeperThanThePresetKeepsItsDepth) {
    const std::string preset = "vivit-b-16x2-fe-kinetics400";
    FeArch a = fe_arch(preset);
    a.temporal_layers = 12;
    const SourceCheckpoint source = vivit_fe_checkpoint(a, 400, 99);
    ConvertedModel converted;
    ASSERT_NO_THROW(converted = convert_state(request_for(preset), source.tensors));
    expect_weights_moved(source, converted);
    expect_fe_fields(json::parse(converted.config_json), a, preset);
    ASSERT_EQ(converted.warnings.size(), 1u);
    EXPECT_EQ(converted.warnings[0], "preset " + preset +
                                         ": num_temporal_layers is 4 but the checkpoint has 12 temporal layers; "
                                         "converting what the checkpoint holds");
    // The labels and preprocessing are still the preset's.
    EXPECT_EQ(json::parse(converted.config_json).at("id2label"), require_preset(preset).config.at("id2label"));
    EXPECT_EQ(json::parse(converted.preprocessor_json), require_preset(preset).preprocessor_config);
}

}  // namespace
}  // namespace vivid
