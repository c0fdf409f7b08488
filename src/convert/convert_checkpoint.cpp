#include <filesystem>
#include <nlohmann/json.hpp>

#include "convert/conversion_rules.h"
#include "convert/factorised_architecture.h"
#include "convert/presets.h"
#include "convert/tensor_transforms.h"
#include "core/atomic_output.h"
#include "convert/convert.h"
#include "vivid/vivid.h"
#include "formats/flax_checkpoint.h"
#include "core/mapped_file.h"
#include "video/preprocess.h"
#include "formats/safetensors.h"
#include "formats/torch_checkpoint.h"
#include "models/model.h"
#include "models/model_folder.h"

namespace vivid {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
    auto storage = map_file(path);
    return std::string(reinterpret_cast<const char*>(storage->data()), storage->size());
}

// The processors the HF converters save when none is given: VideoMAE's with mean = std = 0.5
// (convert_videomae_to_pytorch.py), ViViT's 2023 defaults (convert_vivit_flax_to_pytorch.py).
std::string default_preprocessor_json(CheckpointFormat from) {
    return preprocessor_config_to_json(default_preprocessor_config(
        from == CheckpointFormat::VivitFlax ? "VivitImageProcessor" : "VideoMAEImageProcessor"));
}

std::string choose_config_text(const ConvertOptions& r, const Preset* preset) {
    if (!r.config.empty()) return read_text(r.config);
    if (preset) return preset->config.dump();
    throw Error(r.checkpoint, "the architecture is not in the checkpoint: name a preset or an HF config.json");
}

TensorMap read_source(const ConvertOptions& r) {
    if (r.from == CheckpointFormat::VivitFlax) return read_flax_params(r.checkpoint).tensors;
    return read_torch_state_dict(r.checkpoint).tensors;
}

std::string config_source(const ConvertOptions& r) { return r.config.empty() ? "preset " + r.preset : r.config; }

// The config a --config file or the preset states, of the checkpoint's model family.
ModelConfig stated_config(const ConvertOptions& r, const Preset* preset, const std::string& format) {
    const std::string source = config_source(r);
    ModelConfig config = parse_model_config(choose_config_text(r, preset), source);
    const bool config_is_vivit = std::holds_alternative<VivitConfig>(config);
    if (config_is_vivit != (r.from == CheckpointFormat::VivitFlax))
        throw Error(source, "model_type '" + model_type(config) + "' does not match the checkpoint format " + format);
    if (model_type(config) == "vivit_factorised_encoder")
        throw Error(source, "model_type is 'vivit_factorised_encoder' but the checkpoint is ViViT Model 1 "
                            "(Transformer/encoderblock_*, no SpatialTransformer)");
    return config;
}

// Model 2: the architecture is the checkpoint's. A --config must agree with it; a preset supplies
// labels and preprocessing, and where its numbers differ (Scenic's B/16x2 FE config says 4
// temporal layers, the released file has 12) the checkpoint wins, with a warning.
VivitConfig factorised_config(const ConvertOptions& r, const Preset* preset, const TensorMap& source,
                              std::vector<std::string>& warnings) {
    VivitConfig actual = read_factorised_architecture(source, r.checkpoint);
    if (r.config.empty() && !preset) return actual;
    const std::string where = config_source(r);
    ModelConfig stated = parse_model_config(choose_config_text(r, preset), where);
    auto* config = std::get_if<VivitConfig>(&stated);
    if (!config || !config->factorised_encoder)
        throw Error(where, "model_type is '" + model_type(stated) +
                               "' but the checkpoint is a ViViT factorised encoder (vivit_factorised_encoder)");
    if (config->common.num_labels() != actual.common.num_labels())
        throw Error(where, "id2label has " + std::to_string(config->common.num_labels()) +
                               " labels but the checkpoint has " + std::to_string(actual.common.num_labels()) +
                               " classes (output_projection)");
    for (const std::string& difference : architecture_differences(*config, actual)) {
        if (!r.config.empty()) throw Error(where, difference);
        warnings.push_back("preset " + preset->name + ": " + difference + "; converting what the checkpoint holds");
    }
    take_architecture(*config, actual);
    return *config;
}

// Keeps the rows of a Kinetics-710 head that are the selection's classes, with their names.
void select_head_rows(ConvertedModel& out, const std::string& selection_name, const std::string& checkpoint) {
    const LabelSelection& s = require_label_selection(selection_name);
    const auto weight = out.weights.find("classifier.weight"), bias = out.weights.find("classifier.bias");
    if (weight == out.weights.end() || bias == out.weights.end())
        throw Error(checkpoint, "has no classifier head to take the " + s.name + " classes from (a pre-training checkpoint?)");
    if (weight->second.dim() != 2 || weight->second.size(0) != s.from_classes || bias->second.numel() != s.from_classes)
        throw Error(checkpoint, "taking the " + s.name + " classes needs a " + s.from + " head of " +
                                    std::to_string(s.from_classes) + " classes; classifier.weight has shape " +
                                    shape_to_string(weight->second.shape()));
    weight->second = gather_rows(weight->second, s.rows);
    bias->second = gather_rows(bias->second, s.rows);
    std::visit([&](auto& c) { c.common.id2label = s.labels; }, out.config);
}

const RuleTable& rule_table(CheckpointFormat from, bool factorised) {
    if (factorised) return vivit_factorised_rule_table();
    return from == CheckpointFormat::VivitFlax ? vivit_rule_table() : videomae_rule_table();
}

// As HF's strict load_state_dict: every weight present with its shape, none left over. The
// model's structure is built without kernels, so no weight is copied; the model decides the
// architecture (the config's, else what the weights hold), as it will when loaded.
void check_against_model(ConvertedModel& out, const ConvertOptions& r) {
    std::vector<std::string> unused;
    try {
        out.architecture =
            build_model(out.config, out.weights, r.checkpoint, KernelChoice::ShapeCheck, &unused)->architecture();
    } catch (const Error& e) {
        const std::string of = r.config.empty() && r.preset.empty() ? "the checkpoint's own shapes" : config_source(r);
        throw Error(r.checkpoint, "does not fit the " + model_type(out.config) + " model of " + of + ": " + e.problem());
    }
    std::visit([&](auto& c) { c.common.architectures = {out.architecture}; }, out.config);
    if (!unused.empty())
        throw Error(r.checkpoint, "converted weight '" + unused.front() + "' is not part of " + out.architecture +
                                      " (" + std::to_string(unused.size()) + " such weights)");
}

}  // namespace

const char* checkpoint_format_name(CheckpointFormat format) {
    return format == CheckpointFormat::VivitFlax ? "vivit-flax" : "videomae-pth";
}

CheckpointFormat parse_checkpoint_format(const std::string& name, const std::string& source) {
    for (CheckpointFormat f : {CheckpointFormat::VivitFlax, CheckpointFormat::VideoMAEPth})
        if (name == checkpoint_format_name(f)) return f;
    throw Error(source, "unknown checkpoint format '" + name + "' (vivit-flax or videomae-pth)");
}

ConvertedModel convert_checkpoint(const ConvertOptions& r) { return convert_state(r, read_source(r)); }

ConvertedModel convert_state(const ConvertOptions& r, const TensorMap& source) {
    const Preset* preset = r.preset.empty() ? nullptr : &require_preset(r.preset);
    const std::string format = checkpoint_format_name(r.from);
    ConvertedModel out;
    if (preset) {
        if (preset->source_format != format)
            throw Error("preset " + preset->name, "converts " + preset->source_format + " checkpoints, not " + format);
        if (r.config.empty()) out.warnings = preset->warnings;
    }
    const bool factorised = r.from == CheckpointFormat::VivitFlax && is_factorised_encoder_checkpoint(source);
    if (factorised)
        out.config = factorised_config(r, preset, source, out.warnings);
    else
        out.config = stated_config(r, preset, format);
    // The rate the preset's model was evaluated at goes into config.json, so classify, features
    // and the service sample as it was evaluated without being told.
    if (preset && r.config.empty() && preset->frame_sampling_rate > 0)
        std::visit([&](auto& c) { c.common.frame_sampling_rate = preset->frame_sampling_rate; }, out.config);

    ConvertedTensors converted = apply_rules(rule_table(r.from, factorised), source, r.checkpoint);
    out.weights = std::move(converted.tensors);
    out.warnings.insert(out.warnings.end(), converted.warnings.begin(), converted.warnings.end());
    if (!r.labels.empty()) select_head_rows(out, r.labels, r.checkpoint);
    check_against_model(out, r);

    out.config_json = model_config_to_json(out.config);
    if (!r.preprocessor_config.empty()) {
        out.preprocessor_json = read_text(r.preprocessor_config);
        load_preprocessor_config(r.preprocessor_config);  // validate before writing
    } else {
        out.preprocessor_json =
            preset ? preset->preprocessor_config.dump(2) + "\n" : default_preprocessor_json(r.from);
    }
    return out;
}

void save_hf_folder(const ConvertedModel& model, const std::string& dir, bool replace) {
    build_directory_atomically(dir, replace, [&](const fs::path& tmp) {
        // HF models are saved in float32; an fp16 file (VideoMAE V2's) is widened tensor by tensor.
        write_safetensors_float32((tmp / kWeightsFile).string(), model.weights);
        write_output_file(tmp / kConfigFile, model.config_json);
        write_output_file(tmp / kPreprocessorConfigFile, model.preprocessor_json);
    });
}

}  // namespace vivid
