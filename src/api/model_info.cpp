#include "api/model_info.h"

namespace vivid {

Preprocessing describe_preprocessing(const PreprocessorConfig& p) {
    Preprocessing out;
    out.processor = p.image_processor_type;
    if (p.do_resize) {
        out.resize_shortest_edge = p.size.shortest_edge;
        out.resize_height = p.size.height;
        out.resize_width = p.size.width;
    }
    if (p.do_center_crop) {
        out.crop_height = p.crop_height;
        out.crop_width = p.crop_width;
    }
    if (p.do_rescale) out.rescale_factor = p.rescale_factor;
    out.zero_centering = p.do_zero_centering;
    out.offset = p.offset;
    out.normalize = p.do_normalize;
    if (p.do_normalize) {
        out.mean = p.image_mean;
        out.std = p.image_std;
    }
    return out;
}

ModelInfo describe_model(const ModelFolder& folder, const VideoModel& model, const TensorMap& weights,
                         const std::optional<PreprocessorConfig>& processor) {
    ModelInfo info;
    const ModelConfig& c = model.config();
    info.folder = folder.dir;
    info.architecture = model.architecture();
    info.model_type = model_type(c);
    info.pretraining = model.is_pretraining();
    for (const auto& [name, tensor] : weights) info.parameters += tensor.numel();
    info.frames = config_num_frames(c);
    info.image_size = config_image_size(c);
    std::visit(
        [&](const auto& m) {
            info.channels = m.num_channels;
            info.hidden_size = m.hidden_size;
            info.layers = m.num_hidden_layers;
            info.heads = m.num_attention_heads;
        },
        c);
    info.patches = model.num_patches();
    if (!info.pretraining) info.labels = common_config(c).id2label;
    if (const auto* v = std::get_if<VivitConfig>(&c)) {
        info.temporal_layers = v->num_temporal_layers;
        for (const HeadSplit& h : v->heads) info.label_heads.push_back({h.name, h.size});
    }
    if (const auto* mae = std::get_if<VideoMAEConfig>(&c)) info.norm_pix_loss = info.pretraining && mae->norm_pix_loss;
    if (processor) info.preprocessing = describe_preprocessing(*processor);
    return info;
}

}  // namespace vivid
