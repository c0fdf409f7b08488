// Named conversion presets for `vivid convert --model-name`: every model name the Hugging
// Face VideoMAE converter knows, ViViT-B/16x2 Kinetics-400, and Scenic's four factorised-encoder
// ViViTs. Each carries the config.json and preprocessor_config.json the HF converter writes (for
// the factorised encoders: what Scenic's configs state) and the reference values its script
// asserts (none exist for the factorised encoders). The data lives in src/convert/data/presets.json (compiled in).
#pragma once

#include "convert/label_names.h"
#include "core/tensor.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vivid {

struct Preset {
    std::string name;           // "videomae-base-finetuned-kinetics"
    std::string source_format;  // "videomae-pth" or "vivit-flax"
    // config.json as HF's save_pretrained writes it for this name: model keys, model_type,
    // torch_dtype, architectures and, for classifiers, id2label/label2id.
    nlohmann::json config;
    nlohmann::json preprocessor_config;  // preprocessor_config.json as the converter saves it
    // Label lists (label_names), concatenated in order: {"kinetics400"}, {"ssv2"}, the
    // EPIC-KITCHENS heads' {"epic_kitchens_100_nouns", "epic_kitchens_100_verbs"}; empty for
    // pre-training.
    std::vector<std::string> label_sets;
    // The frame sampling rate the model was evaluated at (Scenic's dataset `stride`); 0 where
    // the source does not state one. preprocessor_config.json has no key for it.
    int64_t frame_sampling_rate = 0;
    std::string reference_input;         // the clip (and mask) the reference values come from; may be empty
    Shape expected_logits_shape;
    // The values the upstream script asserts, flattened row-major; slice_description says
    // which elements ("logits[0, :3]", "logits[0, :3, :3]", "logits[0, :5]").
    std::vector<float> expected_logits_slice;
    std::string slice_description;
    // Loss asserted with the preset's config (norm_pix_loss true), and the script's value for
    // norm_pix_loss false; only videomae-base-short has them.
    std::optional<float> expected_loss;
    std::optional<float> expected_loss_without_norm_pix_loss;
    double atol = 1e-4;
    std::vector<std::string> warnings;  // shown by `vivid convert` when the preset is used
    std::string upstream_source;        // upstream script (or config) path @ commit the values come from

    // The loss to expect for a config with this norm_pix_loss setting, if the script has one.
    std::optional<float> expected_loss_for(bool norm_pix_loss) const {
        return norm_pix_loss ? expected_loss : expected_loss_without_norm_pix_loss;
    }
};

// A classifier head re-read as a subset of its classes: VideoMAE V2's Kinetics-710 heads answer
// Kinetics-400 or Kinetics-600 by keeping the rows of those classes (V2's fine-tuning code does
// head[rows]). presets.json "label_selections".
struct LabelSelection {
    std::string name;                 // "kinetics400"
    std::string from;                 // the label set the head must be: "kinetics710"
    int64_t from_classes = 0;         // its size: the rows such a head has
    std::vector<int64_t> rows;        // entry i: the head row that is class i of `labels`
    std::vector<std::string> labels;  // the selected classes' names, in row order
};

// Throws vivid::Error naming the known selections.
const LabelSelection& require_label_selection(std::string_view name);

// All presets, in the order of presets.json. Parsed once from the embedded data.
const std::vector<Preset>& all_presets();

// nullptr if `name` is not a preset.
const Preset* find_preset(std::string_view name);

// Like find_preset, but throws vivid::Error naming the known presets.
const Preset& require_preset(std::string_view name);

std::vector<std::string> preset_names();

// Parses a presets document (the format of src/convert/data/presets.json). Exposed for tests;
// `source` names the document in errors.
std::vector<Preset> parse_presets(std::string_view json_text, const std::string& source);

}  // namespace vivid
