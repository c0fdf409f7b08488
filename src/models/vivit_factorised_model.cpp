// Scenic's ViViT factorised encoder (Model 2, SpaceTimeViViT in eval mode), which HF has no
// class for: the tubelet embedding as Model 1; a spatial CLS encoder run on each temporal slot's
// h'w' tubelets (all B x T' slots as one batch, the same weights for every slot); a temporal CLS
// encoder over the T' slots' CLS rows; the classifier on the temporal CLS. Tensor names are HF
// ViViT's for the spatial part, vivit.temporal_* for the temporal one.
#include <cstring>

#include "core/grow_buffer.h"
#include "models/cls_encoder.h"
#include "models/model_parts.h"

namespace vivid {
namespace {

class VivitFactorisedModel final : public VideoModel {
public:
    VivitFactorisedModel(const VivitConfig& c, const WeightReader& w, const ModelKernels& k) : config_(c), k_(k) {
        const int64_t d = c.hidden_size;
        const kernels::Activation act = kernels::parse_activation(c.hidden_act, w.source());
        const float eps = static_cast<float>(c.layer_norm_eps);
        const VitLayerShape spatial{d, c.num_attention_heads, c.intermediate_size, eps, act};
        const VitLayerShape temporal{d, c.temporal_num_attention_heads, c.temporal_intermediate_size, eps, act};
        const TubeletGrid grid{c.num_frames, c.num_channels, c.image_size, c.image_size,
                               c.tubelet_size[0], c.tubelet_size[1], c.tubelet_size[2]};
        slots_ = c.num_frames / c.tubelet_size[0];
        slot_tokens_ = grid.tokens() / slots_;
        const QkvBias bias = c.qkv_bias ? QkvBias::Separate : QkvBias::None;
        embed_ = TubeletEmbedding::load(w, "vivit.embeddings.patch_embeddings.", grid, d, k);
        spatial_ = ClsEncoder::load(w,
                                    {"vivit.embeddings.cls_token", "vivit.embeddings.position_embeddings",
                                     "vivit.encoder.layer.", "vivit.layernorm."},
                                    slot_tokens_ + 1, c.num_hidden_layers, spatial, bias, k);
        temporal_ = ClsEncoder::load(w,
                                     {"vivit.temporal_embeddings.cls_token", "vivit.temporal_embeddings.position_embeddings",
                                      "vivit.temporal_encoder.layer.", "vivit.temporal_layernorm."},
                                     slots_ + 1, c.num_temporal_layers, temporal, bias, k);
        classifier_ = load_linear(w, "classifier.", c.common.num_labels(), d, k);
    }

    const ModelConfig& config() const override { return config_; }
    std::string architecture() const override { return "VivitFactorisedEncoderForVideoClassification"; }
    int64_t num_patches() const override { return slots_ * slot_tokens_; }

    double forward_flops(int64_t batch, int64_t) const override {
        return embed_.flops(batch) + spatial_.flops(batch * slots_) + temporal_.flops(batch) +
               2.0 * static_cast<double>(batch * hidden() * classifier_->out());
    }

    ModelOutputs forward(const Tensor& pixel_values, const Tensor*) override {
        return classifier_outputs(*classifier_, features(pixel_values));
    }

    // The temporal encoder's normed CLS token of each clip: what the classifier reads.
    Tensor features(const Tensor& pixel_values) override {
        const int64_t batch = embed_.check_input(pixel_values);
        const int64_t d = hidden(), sequences = batch * slots_, n = slot_tokens_;
        // The tubelets, t-major: slot s of clip b is rows [s * n, (s + 1) * n) of clip b.
        grow_to(embedded_, batch * slots_ * n * d);
        std::memset(embedded_.data(), 0, static_cast<std::size_t>(batch * slots_ * n * d) * sizeof(float));
        embed_.forward(pixel_values, nullptr, embedded_.data(), slots_ * n, scratch_);

        grow_to(spatial_x_, sequences * (n + 1) * d);
        spatial_.begin(spatial_x_.data(), sequences);
        add_rows(spatial_x_.data(), embedded_.data(), sequences, n, d);
        grow_to(slot_cls_, sequences * d);
        spatial_.run(k_, spatial_x_.data(), sequences, slot_cls_.data(), ws_);

        grow_to(temporal_x_, batch * (slots_ + 1) * d);
        temporal_.begin(temporal_x_.data(), batch);
        add_rows(temporal_x_.data(), slot_cls_.data(), batch, slots_, d);
        Tensor cls = Tensor::uninitialized(DType::F32, {batch, d});
        temporal_.run(k_, temporal_x_.data(), batch, cls.data_mut<float>(), ws_);
        return cls;
    }

private:
    int64_t hidden() const { return std::get<VivitConfig>(config_).hidden_size; }

    // x holds `sequences` of (1 + rows) rows begun by an encoder; adds `rows` input rows of each
    // after its CLS row.
    static void add_rows(float* x, const float* in, int64_t sequences, int64_t rows, int64_t d) {
        for (int64_t s = 0; s < sequences; ++s) {
            float* dst = x + (s * (rows + 1) + 1) * d;
            const float* src = in + s * rows * d;
            for (int64_t i = 0; i < rows * d; ++i) dst[i] += src[i];
        }
    }

    ModelConfig config_;
    ModelKernels k_;
    int64_t slots_ = 0, slot_tokens_ = 0;  // T' and h'w'
    TubeletEmbedding embed_;
    ClsEncoder spatial_, temporal_;
    std::unique_ptr<kernels::Linear> classifier_;
    std::vector<float> embedded_, spatial_x_, slot_cls_, temporal_x_, scratch_;
    VitWorkspace ws_;
};

}  // namespace

std::unique_ptr<VideoModel> make_vivit_factorised_model(const VivitConfig& c, const WeightReader& w,
                                                        const ModelKernels& k) {
    return std::make_unique<VivitFactorisedModel>(c, w, k);
}

}  // namespace vivid
