// VivitForVideoClassification (HF modeling_vivit.py): tubelet embedding, then one CLS encoder
// (CLS token, learned positions, pre-norm blocks, final LayerNorm) over all tubelets, and the
// classifier on the CLS token.
#include "core/grow_buffer.h"
#include "models/cls_encoder.h"
#include "models/model_parts.h"

namespace vivid {
namespace {

class VivitModel final : public VideoModel {
public:
    VivitModel(const VivitConfig& c, const WeightReader& w, const ModelKernels& k) : config_(c), k_(k) {
        const int64_t d = c.hidden_size;
        const VitLayerShape shape{d, c.num_attention_heads, c.intermediate_size, static_cast<float>(c.layer_norm_eps),
                                  kernels::parse_activation(c.hidden_act, w.source())};
        const TubeletGrid grid{c.num_frames, c.num_channels, c.image_size, c.image_size,
                               c.tubelet_size[0], c.tubelet_size[1], c.tubelet_size[2]};
        embed_ = TubeletEmbedding::load(w, "vivit.embeddings.patch_embeddings.", grid, d, k);
        encoder_ = ClsEncoder::load(w,
                                    {"vivit.embeddings.cls_token", "vivit.embeddings.position_embeddings",
                                     "vivit.encoder.layer.", "vivit.layernorm."},
                                    grid.tokens() + 1, c.num_hidden_layers, shape,
                                    c.qkv_bias ? QkvBias::Separate : QkvBias::None, k);
        classifier_ = load_linear(w, "classifier.", c.common.num_labels(), d, k);
    }

    const ModelConfig& config() const override { return config_; }
    std::string architecture() const override { return "VivitForVideoClassification"; }
    int64_t num_patches() const override { return encoder_.tokens() - 1; }

    double forward_flops(int64_t batch, int64_t) const override {
        return embed_.flops(batch) + encoder_.flops(batch) +
               2.0 * static_cast<double>(batch * config_hidden() * classifier_->out());
    }

    ModelOutputs forward(const Tensor& pixel_values, const Tensor*) override {
        return classifier_outputs(*classifier_, features(pixel_values));
    }

    // The normed CLS token of each clip: what the classifier reads.
    Tensor features(const Tensor& pixel_values) override {
        const int64_t batch = embed_.check_input(pixel_values);
        const int64_t tokens = encoder_.tokens(), d = config_hidden();
        grow_to(hidden_, batch * tokens * d);
        // The patch rows get their positions from begin() and the embeddings added by the
        // embedding's epilogue.
        encoder_.begin(hidden_.data(), batch);
        embed_.forward(pixel_values, nullptr, hidden_.data() + d, tokens, scratch_);
        Tensor cls = Tensor::uninitialized(DType::F32, {batch, d});
        encoder_.run(k_, hidden_.data(), batch, cls.data_mut<float>(), ws_);
        return cls;
    }

private:
    int64_t config_hidden() const { return std::get<VivitConfig>(config_).hidden_size; }

    ModelConfig config_;
    ModelKernels k_;
    TubeletEmbedding embed_;
    ClsEncoder encoder_;
    std::unique_ptr<kernels::Linear> classifier_;
    std::vector<float> hidden_, scratch_;
    VitWorkspace ws_;
};

}  // namespace

std::unique_ptr<VideoModel> make_vivit_model(const VivitConfig& c, const WeightReader& w, const ModelKernels& k) {
    return std::make_unique<VivitModel>(c, w, k);
}

}  // namespace vivid
