// VivitForVideoClassification (HF modeling_vivit.py): tubelet embedding, CLS token, learned
// position embeddings, pre-norm encoder, final LayerNorm, classifier on the CLS token.
#include <cstring>

#include "core/grow_buffer.h"
#include "models/model_parts.h"

namespace vivid {
namespace {

class VivitModel final : public VideoModel {
public:
    VivitModel(const VivitConfig& c, const WeightReader& w, const ModelKernels& k) : config_(c), k_(k) {
        const std::string& source = w.source();
        const int64_t d = c.hidden_size;
        shape_ = {d, c.num_attention_heads, c.intermediate_size, static_cast<float>(c.layer_norm_eps),
                  kernels::parse_activation(c.hidden_act, source)};
        TubeletGrid grid{c.num_frames, c.num_channels, c.image_size, c.image_size,
                         c.tubelet_size[0], c.tubelet_size[1], c.tubelet_size[2]};
        embed_ = TubeletEmbedding::load(w, "vivit.embeddings.patch_embeddings.", grid, d, k);
        tokens_ = grid.tokens() + 1;
        cls_ = w.view("vivit.embeddings.cls_token", {1, 1, d});
        pos_ = w.view("vivit.embeddings.position_embeddings", {1, tokens_, d});
        for (int64_t i = 0; i < c.num_hidden_layers; ++i)
            layers_.push_back(VitLayer::load(w, "vivit.encoder.layer." + std::to_string(i) + ".", shape_,
                                             c.qkv_bias ? QkvBias::Separate : QkvBias::None, k));
        final_norm_ = LayerNormWeights::load(w, "vivit.layernorm.", d);
        classifier_ = load_linear(w, "classifier.", c.common.num_labels(), d, k);
    }

    const ModelConfig& config() const override { return config_; }
    std::string architecture() const override { return "VivitForVideoClassification"; }
    int64_t num_patches() const override { return tokens_ - 1; }

    double forward_flops(int64_t batch, int64_t) const override {
        const double layers = static_cast<double>(layers_.size()) * static_cast<double>(batch) * vit_layer_flops(shape_, tokens_);
        return embed_.flops(batch) + layers + 2.0 * static_cast<double>(batch * shape_.hidden * classifier_->out());
    }

    ModelOutputs forward(const Tensor& pixel_values, const Tensor*) override {
        const Tensor cls = features(pixel_values);
        ModelOutputs out;
        out.logits = apply_linear(*classifier_, cls.data<float>(), cls.size(0));
        return out;
    }

    // The normed CLS token of each clip: what the classifier reads.
    Tensor features(const Tensor& pixel_values) override {
        const int64_t batch = embed_.check_input(pixel_values);
        const int64_t d = shape_.hidden;
        grow_to(hidden_, batch * tokens_ * d);
        // Row 0 of each clip: CLS + its position; the patch rows get their positions here and
        // the patch embeddings added by the embedding's epilogue.
        const float* pos = pos_.data<float>();
        for (int64_t b = 0; b < batch; ++b) {
            float* x = hidden_.data() + b * tokens_ * d;
            for (int64_t j = 0; j < d; ++j) x[j] = cls_.data<float>()[j] + pos[j];
            std::memcpy(x + d, pos + d, (tokens_ - 1) * d * sizeof(float));
        }
        embed_.forward(pixel_values, nullptr, hidden_.data() + d, tokens_, scratch_);

        // The classifier reads only the CLS rows, and every block is row-wise except attention,
        // where CLS is one query among all keys: the last block is computed for CLS alone.
        const int64_t last = static_cast<int64_t>(layers_.size()) - 1;
        for (int64_t i = 0; i < last; ++i) layers_[i].forward(k_, shape_, hidden_.data(), batch, tokens_, ws_);
        Tensor cls = Tensor::uninitialized(DType::F32, {batch, d});
        float* c = cls.data_mut<float>();
        if (last >= 0) {
            layers_[last].forward_first_token(k_, shape_, hidden_.data(), batch, tokens_, c, ws_);
        } else {
            for (int64_t b = 0; b < batch; ++b) std::memcpy(c + b * d, hidden_.data() + b * tokens_ * d, d * sizeof(float));
        }
        final_norm_.apply(k_, c, batch, shape_.layer_norm_eps);
        return cls;
    }

private:
    ModelConfig config_;
    ModelKernels k_;
    VitLayerShape shape_;
    TubeletEmbedding embed_;
    int64_t tokens_ = 0;
    Tensor cls_, pos_;
    std::vector<VitLayer> layers_;
    LayerNormWeights final_norm_;
    std::unique_ptr<kernels::Linear> classifier_;
    std::vector<float> hidden_, scratch_;
    VitWorkspace ws_;
};

}  // namespace

std::unique_ptr<VideoModel> make_vivit_model(const VivitConfig& c, const WeightReader& w, const ModelKernels& k) {
    return std::make_unique<VivitModel>(c, w, k);
}

}  // namespace vivid
