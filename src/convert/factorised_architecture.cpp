#include "convert/factorised_architecture.h"

#include <cmath>
#include <regex>
#include <set>

#include "vivid/vivid.h"

namespace vivid {
namespace {

constexpr const char* kSpatial = "SpatialTransformer";
constexpr const char* kTemporal = "TemporalTransformer";

const Tensor& require(const TensorMap& source, const std::string& name, int64_t rank, const std::string& checkpoint) {
    const auto it = source.find(name);
    if (it == source.end())
        throw Error(checkpoint, "has no parameter '" + name + "', which a ViViT factorised encoder needs");
    if (it->second.dim() != rank)
        throw Error(checkpoint, "parameter '" + name + "' has shape " + shape_to_string(it->second.shape()) +
                                    ", expected " + std::to_string(rank) + " dimensions");
    return it->second;
}

void require_size(const Tensor& t, int64_t axis, int64_t size, const std::string& name, const std::string& checkpoint) {
    if (t.size(axis) != size)
        throw Error(checkpoint, "parameter '" + name + "' has shape " + shape_to_string(t.shape()) + ": axis " +
                                    std::to_string(axis) + " should be the hidden size " + std::to_string(size));
}

// Blocks run in index order, so a gap means a damaged file, not a shallower model.
int64_t count_blocks(const TensorMap& source, const std::string& encoder, const std::string& checkpoint) {
    const std::regex block("^" + encoder + "/encoderblock_(\\d{1,6})/.*");
    std::set<int64_t> found;
    for (const auto& [name, tensor] : source) {
        std::smatch m;
        if (std::regex_match(name, m, block)) found.insert(std::stoll(m[1].str()));
    }
    const int64_t count = static_cast<int64_t>(found.size());
    if (count > 0 && *found.rbegin() != count - 1)
        throw Error(checkpoint, encoder + " has encoderblock_" + std::to_string(*found.rbegin()) + " but only " +
                                    std::to_string(count) + " blocks");
    return count;
}

struct EncoderShape {
    int64_t layers = 0, heads = 0, mlp = 0, tokens = 0;  // tokens: CLS + positions
    bool qkv_bias = true;
};

EncoderShape read_encoder(const TensorMap& source, const std::string& encoder, int64_t d,
                          const std::string& checkpoint) {
    EncoderShape e;
    const std::string pos_name = encoder + "/posembed_input/pos_embedding";
    const Tensor& pos = require(source, pos_name, 3, checkpoint);
    require_size(pos, 2, d, pos_name, checkpoint);
    e.tokens = pos.size(1);
    if (pos.size(0) != 1 || e.tokens < 2)
        throw Error(checkpoint, "parameter '" + pos_name + "' has shape " + shape_to_string(pos.shape()) +
                                    ", expected (1, 1 + positions, hidden size)");
    e.layers = count_blocks(source, encoder, checkpoint);
    if (e.layers == 0) return e;
    const std::string block = encoder + "/encoderblock_0/";
    const std::string query = block + "MultiHeadDotProductAttention_0/query/kernel";
    const Tensor& q = require(source, query, 3, checkpoint);
    require_size(q, 0, d, query, checkpoint);
    // HF's attention has heads x head size = hidden size (all_head_size); Scenic allows other
    // qkv widths, which no HF-layout model can hold.
    if (q.size(1) * q.size(2) != d)
        throw Error(checkpoint, "parameter '" + query + "' has shape " + shape_to_string(q.shape()) +
                                    ": heads x head size is not the hidden size " + std::to_string(d));
    e.heads = q.size(1);
    const std::string dense = block + "MlpBlock_0/Dense_0/kernel";
    const Tensor& mlp = require(source, dense, 2, checkpoint);
    require_size(mlp, 0, d, dense, checkpoint);
    e.mlp = mlp.size(1);
    e.qkv_bias = source.count(block + "MultiHeadDotProductAttention_0/query/bias") > 0;
    return e;
}

// Square frames: h' = side / h and w' = side / w patches, so h'w' * h * w = side^2.
int64_t image_side(int64_t patches, int64_t h, int64_t w, const std::string& checkpoint) {
    const int64_t area = patches * h * w;
    const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(area))));
    if (side * side != area || side % h != 0 || side % w != 0)
        throw Error(checkpoint, "the spatial position table has " + std::to_string(patches) +
                                    " patch positions, which no square frame of " + std::to_string(h) + "x" +
                                    std::to_string(w) + " patches gives");
    return side;
}

std::vector<std::string> default_labels(int64_t n) {
    std::vector<std::string> labels;
    for (int64_t i = 0; i < n; ++i) labels.push_back("LABEL_" + std::to_string(i));
    return labels;
}

std::string tubelet_text(const std::array<int64_t, 3>& t) {
    std::string text = "[";  // appended, not "[" + ...: GCC 12 warns falsely (-Wrestrict) on that
    for (std::size_t i = 0; i < t.size(); ++i) text.append(i ? ", " : "").append(std::to_string(t[i]));
    return text.append("]");
}

}  // namespace

bool is_factorised_encoder_checkpoint(const TensorMap& source) {
    for (const auto& [name, tensor] : source)
        if (name == "cls_SpatialTransformer" || name.rfind(std::string(kSpatial) + "/", 0) == 0) return true;
    return false;
}

VivitConfig read_factorised_architecture(const TensorMap& source, const std::string& checkpoint) {
    const Tensor& kernel = require(source, "embedding/kernel", 5, checkpoint);
    VivitConfig c;
    c.factorised_encoder = true;
    c.tubelet_size = {kernel.size(0), kernel.size(1), kernel.size(2)};
    c.num_channels = kernel.size(3);
    c.hidden_size = kernel.size(4);
    EncoderShape spatial = read_encoder(source, kSpatial, c.hidden_size, checkpoint);
    EncoderShape temporal = read_encoder(source, kTemporal, c.hidden_size, checkpoint);
    if (spatial.layers == 0 && temporal.layers == 0) throw Error(checkpoint, "has no encoder blocks");
    // An encoder without blocks has no heads or MLP of its own; the config needs some.
    if (spatial.layers == 0) spatial.heads = temporal.heads, spatial.mlp = temporal.mlp;
    if (temporal.layers == 0) temporal.heads = spatial.heads, temporal.mlp = spatial.mlp;
    c.num_hidden_layers = spatial.layers;
    c.num_attention_heads = spatial.heads;
    c.intermediate_size = spatial.mlp;
    c.num_temporal_layers = temporal.layers;
    c.temporal_num_attention_heads = temporal.heads;
    c.temporal_intermediate_size = temporal.mlp;
    c.qkv_bias = spatial.layers > 0 ? spatial.qkv_bias : temporal.qkv_bias;
    c.num_frames = (temporal.tokens - 1) * c.tubelet_size[0];
    c.image_size = image_side(spatial.tokens - 1, c.tubelet_size[1], c.tubelet_size[2], checkpoint);
    const Tensor& head = require(source, "output_projection/kernel", 2, checkpoint);
    require_size(head, 0, c.hidden_size, "output_projection/kernel", checkpoint);
    c.common.id2label = default_labels(head.size(1));
    return c;
}

std::vector<std::string> architecture_differences(const VivitConfig& stated, const VivitConfig& checkpoint) {
    std::vector<std::string> lines;
    const auto number = [&](const char* key, int64_t s, int64_t c, const std::string& prefix, const char* suffix) {
        if (s != c) lines.push_back(std::string(key) + " is " + std::to_string(s) + " but the checkpoint has " + prefix +
                                    std::to_string(c) + suffix);
    };
    number("num_hidden_layers", stated.num_hidden_layers, checkpoint.num_hidden_layers, "", " spatial layers");
    number("num_temporal_layers", stated.num_temporal_layers, checkpoint.num_temporal_layers, "", " temporal layers");
    number("hidden_size", stated.hidden_size, checkpoint.hidden_size, "hidden size ", "");
    number("num_attention_heads", stated.num_attention_heads, checkpoint.num_attention_heads, "",
           " spatial attention heads");
    number("temporal_num_attention_heads", stated.temporal_num_attention_heads,
           checkpoint.temporal_num_attention_heads, "", " temporal attention heads");
    number("intermediate_size", stated.intermediate_size, checkpoint.intermediate_size, "spatial MLP width ", "");
    number("temporal_intermediate_size", stated.temporal_intermediate_size, checkpoint.temporal_intermediate_size,
           "temporal MLP width ", "");
    number("num_channels", stated.num_channels, checkpoint.num_channels, "", " input channels");
    if (stated.tubelet_size != checkpoint.tubelet_size)
        lines.push_back("tubelet_size is " + tubelet_text(stated.tubelet_size) + " but the checkpoint has tubelet " +
                        tubelet_text(checkpoint.tubelet_size));
    number("num_frames", stated.num_frames, checkpoint.num_frames, "", " frames");
    number("image_size", stated.image_size, checkpoint.image_size, "image size ", "");
    if (stated.qkv_bias != checkpoint.qkv_bias)
        lines.push_back(std::string("qkv_bias is ") + (stated.qkv_bias ? "true" : "false") + " but the checkpoint has " +
                        (checkpoint.qkv_bias ? "" : "no ") + "query/key/value biases");
    return lines;
}

void take_architecture(VivitConfig& into, const VivitConfig& from) {
    into.num_hidden_layers = from.num_hidden_layers;
    into.num_temporal_layers = from.num_temporal_layers;
    into.hidden_size = from.hidden_size;
    into.num_attention_heads = from.num_attention_heads;
    into.temporal_num_attention_heads = from.temporal_num_attention_heads;
    into.intermediate_size = from.intermediate_size;
    into.temporal_intermediate_size = from.temporal_intermediate_size;
    into.num_channels = from.num_channels;
    into.tubelet_size = from.tubelet_size;
    into.num_frames = from.num_frames;
    into.image_size = from.image_size;
    into.qkv_bias = from.qkv_bias;
}

}  // namespace vivid
