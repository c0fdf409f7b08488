// Scenic ViViT (Flax) parameter paths under optimizer/target -> HF ViViT names, as
// transformers' convert_vivit_flax_to_pytorch.py (transform_state) maps them.
#include "convert/conversion_rules.h"

namespace vivid {
namespace {

RuleTable make_table() {
    RuleTable table;
    table.family = "ViViT";
    auto& r = table.rules;
    const std::string blk = "^Transformer/encoderblock_(\\d+)/";
    const std::string hf = "vivit.encoder.layer.$1.";
    r.push_back({"^Transformer/encoder_norm/bias$", {"vivit.layernorm.bias"}});
    r.push_back({"^Transformer/encoder_norm/scale$", {"vivit.layernorm.weight"}});
    r.push_back({"^embedding/kernel$", {"vivit.embeddings.patch_embeddings.projection.weight"}, Transform::FlaxConv3d});
    r.push_back({"^embedding/bias$", {"vivit.embeddings.patch_embeddings.projection.bias"}});
    r.push_back({"^cls$", {"vivit.embeddings.cls_token"}});
    r.push_back({"^Transformer/posembed_input/pos_embedding$", {"vivit.embeddings.position_embeddings"}});
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
    r.push_back({"^output_projection/kernel$", {"classifier.weight"}, Transform::Transpose});
    r.push_back({"^output_projection/bias$", {"classifier.bias"}});
    // The HF script reads only the names above; anything else in the train state is ignored.
    table.unmatched_is_error = false;
    return table;
}

}  // namespace

const RuleTable& vivit_rule_table() {
    static const RuleTable table = make_table();
    return table;
}

}  // namespace vivid
