// VideoMAE (HF modeling_videomae.py): VideoMAEForVideoClassification and
// VideoMAEForPreTraining. See FINDINGS.md: three LayerNorm eps values (layer_norm_eps for the
// layers and videomae.layernorm, torch's default 1e-5 for fc_norm and decoder.norm), no CLS
// token, fixed sinusoid position tables, q/v biases with a zero key bias.
#include <algorithm>
#include <cstring>

#include "core/grow_buffer.h"
#include "models/model_parts.h"
#include "models/pretraining_loss.h"
#include "models/sinusoid_table.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

constexpr float kTorchLayerNormEps = 1e-5f;  // nn.LayerNorm(dim) default: fc_norm, decoder.norm

VitLayerShape layer_shape(int64_t hidden, int64_t heads, int64_t intermediate, const VideoMAEConfig& c,
                          const std::string& source) {
    return {hidden, heads, intermediate, static_cast<float>(c.layer_norm_eps),
            kernels::parse_activation(c.hidden_act, source)};
}

std::vector<VitLayer> load_layers(const WeightReader& w, const std::string& prefix, int64_t count,
                                  const VitLayerShape& shape, bool qkv_bias, const ModelKernels& k) {
    std::vector<VitLayer> layers;
    for (int64_t i = 0; i < count; ++i)
        layers.push_back(VitLayer::load(w, prefix + std::to_string(i) + ".", shape,
                                        qkv_bias ? QkvBias::QAndVOnly : QkvBias::None, k));
    return layers;
}

// Per-sample lists of visible and masked patch indices (ascending), validated.
struct MaskSplit {
    std::vector<std::vector<int64_t>> visible, masked;
    int64_t num_masked = 0;
};

MaskSplit split_mask(const Tensor& mask, int64_t batch, int64_t patches) {
    if (mask.dtype() != DType::U8 && mask.dtype() != DType::Bool)
        throw Error("bool_masked_pos", "must be uint8 or bool, got " + std::string(dtype_name(mask.dtype())));
    if (mask.dim() != 2 || mask.size(0) != batch || mask.size(1) != patches)
        throw Error("bool_masked_pos", "has shape " + shape_to_string(mask.shape()) + " but the model needs [" +
                                           std::to_string(batch) + ", " + std::to_string(patches) + "]");
    const Tensor m = mask.is_contiguous() ? mask : mask.contiguous_copy();
    const auto* bits = m.data<uint8_t>();
    MaskSplit s;
    s.visible.resize(batch);
    s.masked.resize(batch);
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t i = 0; i < patches; ++i) (bits[b * patches + i] ? s.masked : s.visible)[b].push_back(i);
        const int64_t count = static_cast<int64_t>(s.masked[b].size());
        if (b == 0) s.num_masked = count;
        if (count != s.num_masked)
            throw Error("bool_masked_pos", "sample " + std::to_string(b) + " masks " + std::to_string(count) +
                                               " patches but sample 0 masks " + std::to_string(s.num_masked) +
                                               "; every sample must mask the same number");
    }
    if (s.num_masked == patches) throw Error("bool_masked_pos", "masks every patch; at least one must stay visible");
    return s;
}

class VideoMAEModel final : public VideoModel {
public:
    VideoMAEModel(const VideoMAEConfig& c, const WeightReader& w, const ModelKernels& k, bool pretraining)
        : config_(c), full_config_(c), k_(k), pretraining_(pretraining) {
        const std::string& source = w.source();
        const int64_t d = c.hidden_size;
        enc_shape_ = layer_shape(d, c.num_attention_heads, c.intermediate_size, c, source);
        TubeletGrid grid{c.num_frames, c.num_channels, c.image_size, c.image_size,
                         c.tubelet_size, c.patch_size, c.patch_size};
        embed_ = TubeletEmbedding::load(w, "videomae.embeddings.patch_embeddings.", grid, d, k);
        patches_ = grid.tokens();
        pos_ = sinusoid_table(patches_, d);
        encoder_ = load_layers(w, "videomae.encoder.layer.", c.num_hidden_layers, enc_shape_, c.qkv_bias, k);
        // HF VideoMAEModel: a final LayerNorm exists only without mean pooling.
        if (!c.use_mean_pooling) final_norm_ = LayerNormWeights::load(w, "videomae.layernorm.", d);
        if (pretraining_) {
            const int64_t dd = c.decoder_hidden_size;
            dec_shape_ = layer_shape(dd, c.decoder_num_attention_heads, c.decoder_intermediate_size, c, source);
            encoder_to_decoder_ = load_linear(w, "encoder_to_decoder.", dd, d, k, false);
            mask_token_ = w.view("mask_token", {1, 1, dd});
            dec_pos_ = sinusoid_table(patches_, dd);
            decoder_ = load_layers(w, "decoder.decoder_layers.", c.decoder_num_hidden_layers, dec_shape_, c.qkv_bias, k);
            decoder_norm_ = LayerNormWeights::load(w, "decoder.norm.", dd);
            decoder_head_ = load_linear(w, "decoder.head.", c.num_channels * c.tubelet_size * c.patch_size * c.patch_size,
                                        dd, k);
        } else {
            if (c.use_mean_pooling) fc_norm_ = LayerNormWeights::load(w, "fc_norm.", d);
            classifier_ = load_linear(w, "classifier.", c.common.num_labels(), d, k);
        }
    }

    const ModelConfig& config() const override { return full_config_; }
    std::string architecture() const override {
        return pretraining_ ? "VideoMAEForPreTraining" : "VideoMAEForVideoClassification";
    }
    bool is_pretraining() const override { return pretraining_; }
    int64_t num_patches() const override { return patches_; }

    double forward_flops(int64_t batch, int64_t num_masked) const override {
        const double b = static_cast<double>(batch);
        double flops = embed_.flops(batch);  // HF embeds every patch, masked or not
        if (!pretraining_) {
            flops += static_cast<double>(encoder_.size()) * b * vit_layer_flops(enc_shape_, patches_);
            return flops + 2.0 * b * static_cast<double>(enc_shape_.hidden * classifier_->out());
        }
        const int64_t nvis = patches_ - num_masked;
        flops += static_cast<double>(encoder_.size()) * b * vit_layer_flops(enc_shape_, nvis);
        flops += 2.0 * b * static_cast<double>(nvis * enc_shape_.hidden * dec_shape_.hidden);
        flops += static_cast<double>(decoder_.size()) * b * vit_layer_flops(dec_shape_, patches_);
        return flops + 2.0 * b * static_cast<double>(num_masked * dec_shape_.hidden * decoder_head_->out());
    }

    ModelOutputs forward(const Tensor& pixel_values, const Tensor* mask) override {
        const int64_t batch = embed_.check_input(pixel_values);
        if (pretraining_) {
            if (!mask) throw Error("bool_masked_pos", "a pre-training model needs a mask (bool_masked_pos)");
            return forward_pretraining(pixel_values, split_mask(*mask, batch, patches_), batch);
        }
        const Tensor pooled = pooled_features(pixel_values, batch);
        ModelOutputs out;
        out.logits = apply_linear(*classifier_, pooled.data<float>(), batch);
        return out;
    }

    Tensor features(const Tensor& pixel_values) override {
        const int64_t batch = embed_.check_input(pixel_values);
        if (pretraining_) return mean_hidden_state(pixel_values, batch);
        return pooled_features(pixel_values, batch);
    }

private:
    // hidden_ <- embeddings of `patches` (all when null) plus their fixed positions.
    void embed(const Tensor& pixel_values, const std::vector<std::vector<int64_t>>* patches, int64_t batch) {
        const int64_t d = enc_shape_.hidden;
        const int64_t count = patches ? static_cast<int64_t>((*patches)[0].size()) : patches_;
        grow_to(hidden_, batch * count * d);
        for (int64_t b = 0; b < batch; ++b)
            for (int64_t i = 0; i < count; ++i) {
                const int64_t patch = patches ? (*patches)[b][i] : i;
                std::memcpy(hidden_.data() + (b * count + i) * d, pos_.data() + patch * d, d * sizeof(float));
            }
        embed_.forward(pixel_values, patches, hidden_.data(), count, scratch_);
    }

    // The token mean of (batch, patches_, d) rows in hidden_, summed in double.
    void mean_tokens(int64_t batch, float* p) const {
        const int64_t d = enc_shape_.hidden;
        std::vector<double> sum(static_cast<std::size_t>(d));
        for (int64_t b = 0; b < batch; ++b) {
            std::fill(sum.begin(), sum.end(), 0.0);
            for (int64_t t = 0; t < patches_; ++t) {
                const float* row = hidden_.data() + (b * patches_ + t) * d;
                for (int64_t j = 0; j < d; ++j) sum[j] += row[j];
            }
            for (int64_t j = 0; j < d; ++j) p[b * d + j] = static_cast<float>(sum[j] / static_cast<double>(patches_));
        }
    }

    // VideoMAEModel's last_hidden_state (its layernorm applied where it has one, no mask),
    // averaged over tokens: a pre-training model's feature vector.
    Tensor mean_hidden_state(const Tensor& pixel_values, int64_t batch) {
        embed(pixel_values, nullptr, batch);
        for (VitLayer& layer : encoder_) layer.forward(k_, enc_shape_, hidden_.data(), batch, patches_, ws_);
        if (!config_.use_mean_pooling)
            final_norm_.apply(k_, hidden_.data(), batch * patches_, enc_shape_.layer_norm_eps);
        Tensor mean = Tensor::zeros(DType::F32, {batch, enc_shape_.hidden});
        mean_tokens(batch, mean.data_mut<float>());
        return mean;
    }

    // What the classifier reads: fc_norm of the token mean, or the normed first token.
    Tensor pooled_features(const Tensor& pixel_values, int64_t batch) {
        const int64_t d = enc_shape_.hidden;
        embed(pixel_values, nullptr, batch);
        for (VitLayer& layer : encoder_) layer.forward(k_, enc_shape_, hidden_.data(), batch, patches_, ws_);
        Tensor pooled = Tensor::zeros(DType::F32, {batch, d});
        float* p = pooled.data_mut<float>();
        if (config_.use_mean_pooling) {
            mean_tokens(batch, p);
            fc_norm_.apply(k_, p, batch, kTorchLayerNormEps);
        } else {
            // No CLS token: "token 0" is the first patch. LayerNorm is row-wise.
            for (int64_t b = 0; b < batch; ++b)
                std::memcpy(p + b * d, hidden_.data() + b * patches_ * d, d * sizeof(float));
            final_norm_.apply(k_, p, batch, enc_shape_.layer_norm_eps);
        }
        return pooled;
    }

    ModelOutputs forward_pretraining(const Tensor& pixel_values, const MaskSplit& m, int64_t batch) {
        const int64_t dd = dec_shape_.hidden;
        const int64_t nvis = patches_ - m.num_masked;
        // HF embeds every patch and then keeps the visible ones; embedding only those is the
        // same arithmetic row for row. The encoder sees them in ascending patch order.
        embed(pixel_values, &m.visible, batch);
        for (VitLayer& layer : encoder_) layer.forward(k_, enc_shape_, hidden_.data(), batch, nvis, ws_);
        if (!config_.use_mean_pooling) final_norm_.apply(k_, hidden_.data(), batch * nvis, enc_shape_.layer_norm_eps);
        Tensor vis_dec = apply_linear(*encoder_to_decoder_, hidden_.data(), batch * nvis);

        // Decoder input: visible tokens first, then mask tokens, each with its own position.
        std::vector<float> x(static_cast<std::size_t>(batch * patches_ * dd));
        const float* mt = mask_token_.data<float>();
        for (int64_t b = 0; b < batch; ++b) {
            for (int64_t i = 0; i < nvis; ++i)
                for (int64_t j = 0; j < dd; ++j)
                    x[(b * patches_ + i) * dd + j] =
                        vis_dec.data<float>()[(b * nvis + i) * dd + j] + dec_pos_[m.visible[b][i] * dd + j];
            for (int64_t i = 0; i < m.num_masked; ++i)
                for (int64_t j = 0; j < dd; ++j)
                    x[(b * patches_ + nvis + i) * dd + j] = mt[j] + dec_pos_[m.masked[b][i] * dd + j];
        }
        for (VitLayer& layer : decoder_) layer.forward(k_, dec_shape_, x.data(), batch, patches_, ws_);
        // Only the last num_masked tokens (the mask tokens) are normalised and projected.
        std::vector<float> tail(static_cast<std::size_t>(batch * m.num_masked * dd));
        for (int64_t b = 0; b < batch; ++b)
            std::memcpy(tail.data() + b * m.num_masked * dd, x.data() + (b * patches_ + nvis) * dd,
                        m.num_masked * dd * sizeof(float));
        decoder_norm_.apply(k_, tail.data(), batch * m.num_masked, kTorchLayerNormEps);
        ModelOutputs out;
        out.logits = apply_linear(*decoder_head_, tail.data(), batch * m.num_masked)
                         .reshape({batch, m.num_masked, decoder_head_->out()});
        out.loss = pretraining_loss(config_, pixel_values, m.masked, out.logits);
        return out;
    }

    VideoMAEConfig config_;
    ModelConfig full_config_;
    ModelKernels k_;
    bool pretraining_;
    VitLayerShape enc_shape_, dec_shape_;
    TubeletEmbedding embed_;
    int64_t patches_ = 0;
    std::vector<float> pos_, dec_pos_;
    std::vector<VitLayer> encoder_, decoder_;
    LayerNormWeights final_norm_, fc_norm_, decoder_norm_;
    std::unique_ptr<kernels::Linear> classifier_, encoder_to_decoder_, decoder_head_;
    Tensor mask_token_;
    std::vector<float> hidden_, scratch_;
    VitWorkspace ws_;
};

bool wants_pretraining(const VideoMAEConfig& c, const WeightReader& w) {
    for (const std::string& a : c.common.architectures) {
        if (a == "VideoMAEForPreTraining") return true;
        if (a == "VideoMAEForVideoClassification") return false;
    }
    // No architectures entry: decide from the weights, as the checkpoint says what it is.
    return w.has("decoder.head.weight") && !w.has("classifier.weight");
}

}  // namespace

std::unique_ptr<VideoModel> make_videomae_model(const VideoMAEConfig& c, const WeightReader& w,
                                                const ModelKernels& k) {
    return std::make_unique<VideoMAEModel>(c, w, k, wants_pretraining(c, w));
}

}  // namespace vivid
