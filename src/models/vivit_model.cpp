// VivitForVideoClassification (HF modeling_vivit.py): tubelet embedding, CLS token, learned
// position embeddings, pre-norm encoder, final LayerNorm, classifier on the CLS token.
#include <cstring>

#include "models/model_parts.h"

namespace vivid {
namespace {

class VivitModel final : public VideoModel {
public:
    VivitModel(const VivitConfig& c, const WeightReader& w, const kernels::KernelSet& k)
        : config_(c), k_(k) {
        const std::string& source = w.source();
        const int64_t d = c.hidden_size;
        shape_ = {d, c.num_attention_heads, c.intermediate_size, static_cast<float>(c.layer_norm_eps),
                  kernels::parse_activation(c.hidden_act, source)};
        TubeletGrid grid{c.num_frames, c.num_channels, c.image_size, c.image_size,
                         c.tubelet_size[0], c.tubelet_size[1], c.tubelet_size[2]};
        embed_ = TubeletEmbedding::load(w, "vivit.embeddings.patch_embeddings.", grid, d);
        tokens_ = grid.tokens() + 1;
        cls_ = w.take("vivit.embeddings.cls_token", {1, 1, d});
        pos_ = w.take("vivit.embeddings.position_embeddings", {1, tokens_, d});
        for (int64_t i = 0; i < c.num_hidden_layers; ++i)
            layers_.push_back(VitLayer::load(w, "vivit.encoder.layer." + std::to_string(i) + ".", shape_,
                                             c.qkv_bias ? QkvBias::Separate : QkvBias::None));
        final_norm_ = LayerNormWeights::load(w, "vivit.layernorm.", d);
        classifier_ = LinearWeights::load(w, "classifier.", c.common.num_labels(), d);
    }

    const ModelConfig& config() const override { return config_; }
    std::string architecture() const override { return "VivitForVideoClassification"; }
    int64_t num_patches() const override { return tokens_ - 1; }

    ModelOutputs forward(const Tensor& pixel_values, const Tensor*) override {
        const int64_t batch = embed_.check_input(pixel_values);
        const int64_t d = shape_.hidden, n = tokens_ - 1;
        patches_.resize(static_cast<std::size_t>(batch * n * d));
        embed_.forward(k_, pixel_values, patches_.data(), scratch_);
        hidden_.resize(static_cast<std::size_t>(batch * tokens_ * d));
        const float* pos = pos_.data<float>();
        for (int64_t b = 0; b < batch; ++b) {
            float* x = hidden_.data() + b * tokens_ * d;
            for (int64_t j = 0; j < d; ++j) x[j] = cls_.data<float>()[j] + pos[j];
            for (int64_t t = 1; t < tokens_; ++t)
                for (int64_t j = 0; j < d; ++j)
                    x[t * d + j] = patches_[(b * n + t - 1) * d + j] + pos[t * d + j];
        }
        for (const VitLayer& layer : layers_) layer.forward(k_, shape_, hidden_.data(), batch, tokens_, ws_);

        // The final LayerNorm is row-wise, so only the CLS rows that the classifier reads matter.
        Tensor cls = Tensor::zeros(DType::F32, {batch, d});
        for (int64_t b = 0; b < batch; ++b)
            std::memcpy(cls.data_mut<float>() + b * d, hidden_.data() + b * tokens_ * d, d * sizeof(float));
        final_norm_.apply(k_, cls.data_mut<float>(), batch, shape_.layer_norm_eps);
        ModelOutputs out;
        out.logits = classifier_.apply(k_, cls.data<float>(), batch);
        return out;
    }

private:
    ModelConfig config_;
    const kernels::KernelSet& k_;
    VitLayerShape shape_;
    TubeletEmbedding embed_;
    int64_t tokens_ = 0;
    Tensor cls_, pos_;
    std::vector<VitLayer> layers_;
    LayerNormWeights final_norm_;
    LinearWeights classifier_;
    std::vector<float> patches_, hidden_, scratch_;
    VitWorkspace ws_;
};

}  // namespace

std::unique_ptr<VideoModel> make_vivit_model(const VivitConfig& c, const WeightReader& w,
                                             const kernels::KernelSet& k) {
    return std::make_unique<VivitModel>(c, w, k);
}

}  // namespace vivid
