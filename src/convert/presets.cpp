#include "convert/presets.h"

#include "convert/embedded_data.h"
#include "formats/model_config.h"
#include "vivid/vivid.h"

#include <set>

namespace vivid {
namespace {

using nlohmann::json;

const json& member(const json& object, const char* key, const std::string& where) {
    if (!object.is_object() || !object.contains(key)) {
        throw Error(where, std::string("missing \"") + key + "\"");
    }
    return object.at(key);
}

const json& named_entry(const json& document, const char* table, const std::string& name,
                        const std::string& source) {
    const json& entries = member(document, table, source);
    if (!entries.is_object() || !entries.contains(name)) {
        throw Error(source, std::string(table) + " has no entry '" + name + "'");
    }
    return entries.at(name);
}

// Mirrors the converter: defaults, then the size table, then what the name implies.
json build_config(const json& document, const json& entry, const std::string& where,
                  const std::vector<std::string>& label_sets) {
    const std::string base = member(entry, "config_base", where).get<std::string>();
    json config = named_entry(document, "config_bases", base, where);
    const json& architecture = member(entry, "architecture", where);
    if (!architecture.is_null()) {
        config.merge_patch(named_entry(document, "architectures",
                                       architecture.get<std::string>(), where));
    }
    config.merge_patch(member(entry, "config", where));
    std::vector<std::string> labels;
    for (const std::string& set : label_sets) {
        const std::vector<std::string> names = label_names(set);
        labels.insert(labels.end(), names.begin(), names.end());
    }
    if (!labels.empty()) add_label_maps(labels, config);
    return config;
}

// "labels": null, one label set's name, or a list of them (split heads, in head order).
std::vector<std::string> parse_label_sets(const json& labels) {
    if (labels.is_null()) return {};
    if (labels.is_string()) return {labels.get<std::string>()};
    return labels.get<std::vector<std::string>>();
}

// The reference clip's description; "reference_input": null where there are no reference values.
std::string reference_input_text(const json& document, const json& entry, const std::string& where) {
    const json& name = member(entry, "reference_input", where);
    if (name.is_null()) return "";
    std::string text;
    for (const auto& [key, value] : named_entry(document, "reference_inputs", name.get<std::string>(), where).items())
        text += (text.empty() ? "" : "; ") + key + ": " + value.get<std::string>();
    return text;
}

Preset parse_preset(const json& document, const json& entry, const std::string& source) {
    Preset preset;
    preset.name = member(entry, "name", source).get<std::string>();
    const std::string where = source + " preset '" + preset.name + "'";
    preset.source_format = member(entry, "source_format", where).get<std::string>();
    preset.label_sets = parse_label_sets(member(entry, "labels", where));
    preset.config = build_config(document, entry, where, preset.label_sets);
    preset.preprocessor_config = named_entry(
        document, "preprocessor_configs", member(entry, "preprocessor", where).get<std::string>(),
        where);
    preset.frame_sampling_rate = entry.value("frame_sampling_rate", int64_t{0});
    if (preset.frame_sampling_rate < 0) throw Error(where, "frame_sampling_rate must not be negative");
    preset.reference_input = reference_input_text(document, entry, where);
    preset.expected_logits_shape = member(entry, "expected_logits_shape", where).get<Shape>();
    preset.expected_logits_slice =
        member(entry, "expected_logits_slice", where).get<std::vector<float>>();
    preset.slice_description = member(entry, "slice", where).get<std::string>();
    if (entry.contains("expected_loss")) preset.expected_loss = entry.at("expected_loss").get<float>();
    if (entry.contains("expected_loss_without_norm_pix_loss")) {
        preset.expected_loss_without_norm_pix_loss =
            entry.at("expected_loss_without_norm_pix_loss").get<float>();
    }
    preset.atol = member(entry, "atol", where).get<double>();
    preset.warnings = member(entry, "warnings", where).get<std::vector<std::string>>();
    // "source" names the sources entry when it is not the format's converter script.
    preset.upstream_source =
        named_entry(document, "sources", entry.value("source", preset.source_format), where).get<std::string>();
    return preset;
}

}  // namespace

std::vector<Preset> parse_presets(std::string_view json_text, const std::string& source) {
    const json document = json::parse(json_text.begin(), json_text.end(), nullptr,
                                      /*allow_exceptions=*/false);
    if (document.is_discarded()) throw Error(source, "not valid JSON");
    std::vector<Preset> presets;
    std::set<std::string> names;
    try {
        for (const json& entry : member(document, "presets", source)) {
            presets.push_back(parse_preset(document, entry, source));
            if (!names.insert(presets.back().name).second) {
                throw Error(source, "preset '" + presets.back().name + "' is listed twice");
            }
        }
    } catch (const json::exception& e) {
        // A field of the wrong JSON type: report it as bad input, not as a crash.
        throw Error(source, e.what());
    }
    return presets;
}

namespace {

std::vector<LabelSelection> parse_label_selections(const json& document, const std::string& source) {
    std::vector<LabelSelection> selections;
    for (const auto& [name, entry] : member(document, "label_selections", source).items()) {
        const std::string where = source + " label selection '" + name + "'";
        LabelSelection s{name, member(entry, "from", where).get<std::string>(), 0, {},
                         label_names(member(entry, "labels", where).get<std::string>())};
        s.from_classes = static_cast<int64_t>(label_names(s.from).size());
        const std::string rows_file = member(entry, "rows", where).get<std::string>();
        const auto rows_text = embedded_data_file(rows_file);
        if (!rows_text) throw Error(where, rows_file + " is not embedded in this build");
        s.rows = json::parse(*rows_text).at("rows").get<std::vector<int64_t>>();
        if (s.rows.size() != s.labels.size())
            throw Error(rows_file, std::to_string(s.rows.size()) + " rows for " + std::to_string(s.labels.size()) + " labels");
        for (int64_t row : s.rows)
            if (row < 0 || row >= s.from_classes) throw Error(rows_file, "row " + std::to_string(row) + " is not a " + s.from + " class");
        selections.push_back(std::move(s));
    }
    return selections;
}

}  // namespace

const LabelSelection& require_label_selection(std::string_view name) {
    static const std::vector<LabelSelection> selections = [] {
        const auto text = embedded_data_file("presets.json");
        if (!text) throw Error("presets.json", "not embedded in this build");
        try {
            return parse_label_selections(json::parse(*text), "presets.json");
        } catch (const json::exception& e) {
            throw Error("presets.json", e.what());
        }
    }();
    std::string known;
    for (const LabelSelection& s : selections) {
        if (s.name == name) return s;
        known += (known.empty() ? "" : ", ") + s.name;
    }
    throw Error("labels '" + std::string(name) + "'", "is not a selection of a head's classes (known: " + known + ")");
}

const std::vector<Preset>& all_presets() {
    static const std::vector<Preset> presets = [] {
        const auto text = embedded_data_file("presets.json");
        if (!text) throw Error("presets.json", "not embedded in this build");
        return parse_presets(*text, "presets.json");
    }();
    return presets;
}

const Preset* find_preset(std::string_view name) {
    for (const Preset& preset : all_presets()) {
        if (preset.name == name) return &preset;
    }
    return nullptr;
}

const Preset& require_preset(std::string_view name) {
    if (const Preset* preset = find_preset(name)) return *preset;
    std::string known;
    for (const std::string& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("preset '" + std::string(name) + "'", "is unknown (known: " + known + ")");
}

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    for (const Preset& preset : all_presets()) names.push_back(preset.name);
    return names;
}

}  // namespace vivid
