// Original VideoMAE names (MCG-NJU V1, OpenGVLab V2: the same blocks) -> HF VideoMAE names, as
// transformers' convert_videomae_to_pytorch.py (rename_key + convert_state_dict) maps them.
#include "convert/conversion_rules.h"

namespace vivid {
namespace {

// One transformer block, for the encoder ("blocks.N") and the decoder ("decoder.blocks.N").
void add_block_rules(std::vector<ConversionRule>& rules, const std::string& src, const std::string& dst) {
    const std::string b = "^" + src + "\\.(\\d+)\\.";
    const std::string t = dst + ".$1.";
    rules.push_back({b + "norm1\\.(weight|bias)$", {t + "layernorm_before.$2"}});
    rules.push_back({b + "norm2\\.(weight|bias)$", {t + "layernorm_after.$2"}});
    rules.push_back({b + "attn\\.qkv\\.weight$",
                     {t + "attention.attention.query.weight", t + "attention.attention.key.weight",
                      t + "attention.attention.value.weight"},
                     Transform::SplitQkvRows});
    // convert_state_dict handles every "qkv" key and writes nothing for a qkv bias.
    rules.push_back({b + "attn\\.qkv\\.bias$", {}, Transform::Drop});
    rules.push_back({b + "attn\\.(q_bias|v_bias)$", {t + "attention.attention.$2"}});
    rules.push_back({b + "attn\\.proj\\.(weight|bias)$", {t + "attention.output.dense.$2"}});
    rules.push_back({b + "mlp\\.fc1\\.(weight|bias)$", {t + "intermediate.dense.$2"}});
    rules.push_back({b + "mlp\\.fc2\\.(weight|bias)$", {t + "output.dense.$2"}});
}

RuleTable make_table() {
    RuleTable table;
    table.family = "VideoMAE";
    // Pre-training checkpoints nest the encoder ("encoder."); VideoMAE V2 files may also carry
    // torch.compile's "_orig_mod.", DistributedDataParallel's "module." or a detection
    // framework's "backbone." before the names.
    table.strip_prefixes = {"_orig_mod.", "module.", "backbone.", "encoder."};
    auto& r = table.rules;
    r.push_back({"^patch_embed\\.proj\\.(weight|bias)$", {"videomae.embeddings.patch_embeddings.projection.$1"}});
    add_block_rules(r, "decoder\\.blocks", "decoder.decoder_layers");
    add_block_rules(r, "blocks", "videomae.encoder.layer");
    r.push_back({"^norm\\.(weight|bias)$", {"videomae.layernorm.$1"}});
    r.push_back({"^fc_norm\\.(weight|bias)$", {"fc_norm.$1"}});
    r.push_back({"^head\\.(weight|bias)$", {"classifier.$1"}});
    r.push_back({"^decoder\\.norm\\.(weight|bias)$", {"decoder.norm.$1"}});
    r.push_back({"^decoder\\.head\\.(weight|bias)$", {"decoder.head.$1"}});
    r.push_back({"^encoder_to_decoder\\.weight$", {"encoder_to_decoder.weight"}});
    r.push_back({"^mask_token$", {"mask_token"}});
    // Anything else (cls_token, pos_embed, decoder_pos_embed, patch_embed.norm, decoder_embed,
    // ...) is a key the HF model does not have: its strict load_state_dict would refuse it.
    table.unmatched_is_error = true;
    return table;
}

}  // namespace

const RuleTable& videomae_rule_table() {
    static const RuleTable table = make_table();
    return table;
}

}  // namespace vivid
