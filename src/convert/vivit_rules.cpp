// Scenic ViViT (Flax) parameter paths under optimizer/target -> HF ViViT names. Model 1 as
// transformers' convert_vivit_flax_to_pytorch.py (transform_state) maps them; the factorised
// encoder (Model 2), which HF has no converter for, with the same per-block names and transforms
// for each of its two encoders.
#include "convert/conversion_rules.h"

namespace vivid {
namespace {

// One encoder: Scenic's `<src>/encoderblock_N/...` and `<src>/encoder_norm` -> HF's
// `<layers>N.` blocks and `<norm>` final LayerNorm.
void add_encoder_rules(std::vector<ConversionRule>& r, const std::string& src, const std::string& layers,
                       const std::string& norm) {
    const std::string blk = "^" + src + "/encoderblock_(\\d+)/";
    const std::string hf = layers + "$1.";
    r.push_back({"^" + src + "/encoder_norm/bias$", {norm + "bias"}});
    r.push_back({"^" + src + "/encoder_norm/scale$", {norm + "weight"}});
    r.push_back({blk + "MlpBlock_0/Dense_0/bias$", {hf + "intermediate.dense.bias"}});
    r.push_back({blk + "MlpBlock_0/Dense_0/kernel$", {hf + "intermediate.dense.weight"}, Transform::Transpose});
    r.push_back({blk + "MlpBlock_0/Dense_1/bias$", {hf + "output.dense.bias"}});
    r.push_back({blk + "MlpBlock_0/Dense_1/kernel$", {hf + "output.dense.weight"}, Transform::Transpose});
    r.push_back({blk + "LayerNorm_0/bias$", {hf + "layernorm_before.bias"}});
    r.push_back({blk + "LayerNorm_0/scale$", {hf + "layernorm_before.weight"}});
    r.push_back({blk + "LayerNorm_1/bias$", {hf + "layernorm_after.bias"}});
    r.push_back({blk + "LayerNorm_1/scale$", {hf + "layernorm_after.weight"}});
    r.push_back({blk + "MultiHeadDotProductAttention_0/(query|key|value)/kernel$",
                 {hf + "attention.attention.$2.weight"}, Transform::FlaxHeadsKernel});
    r.push_back({blk + "MultiHeadDotProductAttention_0/(query|key|value)/bias$",
                 {hf + "attention.attention.$2.bias"}, Transform::FlaxHeadsBias});
    r.push_back({blk + "MultiHeadDotProductAttention_0/out/kernel$", {hf + "attention.output.dense.weight"},
                 Transform::FlaxOutKernel});
    r.push_back({blk + "MultiHeadDotProductAttention_0/out/bias$", {hf + "attention.output.dense.bias"}});
}

// The tubelet embedding and the classifier, the same in both models.
void add_embedding_and_head_rules(std::vector<ConversionRule>& r) {
    r.push_back({"^embedding/kernel$", {"vivit.embeddings.patch_embeddings.projection.weight"}, Transform::FlaxConv3d});
    r.push_back({"^embedding/bias$", {"vivit.embeddings.patch_embeddings.projection.bias"}});
    r.push_back({"^output_projection/kernel$", {"classifier.weight"}, Transform::Transpose});
    r.push_back({"^output_projection/bias$", {"classifier.bias"}});
}

RuleTable make_table() {
    RuleTable table;
    table.family = "ViViT";
    auto& r = table.rules;
    add_embedding_and_head_rules(r);
    r.push_back({"^cls$", {"vivit.embeddings.cls_token"}});
    r.push_back({"^Transformer/posembed_input/pos_embedding$", {"vivit.embeddings.position_embeddings"}});
    add_encoder_rules(r, "Transformer", "vivit.encoder.layer.", "vivit.layernorm.");
    // The HF script reads only the names above; anything else in the train state is ignored.
    table.unmatched_is_error = false;
    return table;
}

RuleTable make_factorised_table() {
    RuleTable table;
    table.family = "ViViT factorised encoder";
    auto& r = table.rules;
    add_embedding_and_head_rules(r);
    r.push_back({"^cls_SpatialTransformer$", {"vivit.embeddings.cls_token"}});
    r.push_back({"^SpatialTransformer/posembed_input/pos_embedding$", {"vivit.embeddings.position_embeddings"}});
    add_encoder_rules(r, "SpatialTransformer", "vivit.encoder.layer.", "vivit.layernorm.");
    r.push_back({"^cls_TemporalTransformer$", {"vivit.temporal_embeddings.cls_token"}});
    r.push_back({"^TemporalTransformer/posembed_input/pos_embedding$",
                 {"vivit.temporal_embeddings.position_embeddings"}});
    add_encoder_rules(r, "TemporalTransformer", "vivit.temporal_encoder.layer.", "vivit.temporal_layernorm.");
    // No reference converter to follow: a parameter the model has no place for (a pre_logits
    // layer, say) would change the answers, so it is refused rather than dropped.
    table.unmatched_is_error = true;
    return table;
}

}  // namespace

const RuleTable& vivit_rule_table() {
    static const RuleTable table = make_table();
    return table;
}

const RuleTable& vivit_factorised_rule_table() {
    static const RuleTable table = make_factorised_table();
    return table;
}

}  // namespace vivid
