// preprocessor_config.json -> PreprocessorConfig, with the defaults of the HF processor named
// by image_processor_type. Strict: an option vivid does not know could change the numbers, so
// it is an error rather than silently ignored.
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "vivid/vivid.h"
#include "video/preprocess.h"

namespace vivid {
namespace {

using nlohmann::json;

// Keys that only name things (which class wrote the file); they do not change the numbers.
const std::set<std::string> kNameKeys = {"image_processor_type", "feature_extractor_type",
                                         "processor_class", "_processor_class"};
const std::set<std::string> kCommonKeys = {
    "do_resize", "size",       "resample",     "do_center_crop", "crop_size", "do_rescale",
    "rescale_factor", "do_normalize", "image_mean", "image_std"};
const std::set<std::string> kVivitKeys = {"do_zero_centering", "offset"};

class ConfigReader {
public:
    ConfigReader(const json& j, const std::string& source) : j_(j), source_(source) {}

    [[noreturn]] void fail(const std::string& problem) const { throw Error(source_, problem); }

    bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }

    void read_bool(const char* key, bool& out) const {
        if (!j_.contains(key)) return;
        if (!j_[key].is_boolean()) fail(std::string(key) + " must be true or false");
        out = j_[key].get<bool>();
    }

    void read_number(const char* key, double& out) const {
        if (!j_.contains(key)) return;
        if (!j_[key].is_number()) fail(std::string(key) + " must be a number");
        out = j_[key].get<double>();
        if (!std::isfinite(out)) fail(std::string(key) + " must be finite");
    }

    int positive_int(const json& v, const std::string& what) const {
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 1 << 16)
            fail(what + " must be a positive integer (at most 65536)");
        return static_cast<int>(v.get<int64_t>());
    }

    // HF get_size_dict: an int, [height, width], {"shortest_edge"} or {"height", "width"}.
    void read_size(ResizeTarget& out) const {
        if (!has("size")) return;  // null or absent: the processor's default
        const json& v = j_["size"];
        out = ResizeTarget{};
        if (v.is_number()) {
            out.shortest_edge = positive_int(v, "size");
        } else if (v.is_array() && v.size() == 2) {
            out.height = positive_int(v[0], "size[0]");
            out.width = positive_int(v[1], "size[1]");
        } else if (v.is_object() && v.size() == 1 && v.contains("shortest_edge")) {
            out.shortest_edge = positive_int(v["shortest_edge"], "size.shortest_edge");
        } else if (v.is_object() && v.size() == 2 && v.contains("height") && v.contains("width")) {
            out.height = positive_int(v["height"], "size.height");
            out.width = positive_int(v["width"], "size.width");
        } else {
            fail("size must be {\"shortest_edge\": N} or {\"height\": H, \"width\": W}, got " +
                 v.dump());
        }
    }

    void read_crop_size(int& height, int& width) const {
        if (!has("crop_size")) return;
        const json& v = j_["crop_size"];
        if (v.is_number()) {
            height = width = positive_int(v, "crop_size");
        } else if (v.is_array() && v.size() == 2) {
            height = positive_int(v[0], "crop_size[0]");
            width = positive_int(v[1], "crop_size[1]");
        } else if (v.is_object() && v.size() == 2 && v.contains("height") && v.contains("width")) {
            height = positive_int(v["height"], "crop_size.height");
            width = positive_int(v["width"], "crop_size.width");
        } else {
            fail("crop_size must be {\"height\": H, \"width\": W}, got " + v.dump());
        }
    }

    void read_resample(Resample& out) const {
        if (!j_.contains("resample")) return;
        const json& v = j_["resample"];
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 5)
            fail("resample must be a PIL filter code 0-5 (NEAREST 0, LANCZOS 1, BILINEAR 2, "
                 "BICUBIC 3, BOX 4, HAMMING 5), got " + v.dump());
        out = static_cast<Resample>(v.get<int>());
    }

    // A number for all channels, or one per channel.
    void read_channels(const char* key, std::array<double, 3>& out) const {
        if (!has(key)) return;
        const json& v = j_[key];
        if (v.is_number()) {
            out.fill(v.get<double>());
        } else if (v.is_array() && v.size() == 3 && v[0].is_number() && v[1].is_number() &&
                   v[2].is_number()) {
            for (int c = 0; c < 3; ++c) out[c] = v[c].get<double>();
        } else {
            fail(std::string(key) + " must be a number or a list of 3 numbers, got " + v.dump());
        }
        for (double x : out)
            if (!std::isfinite(x)) fail(std::string(key) + " must be finite");
    }

private:
    const json& j_;
    const std::string& source_;
};

std::string processor_type(const json& j, const ConfigReader& reader) {
    if (j.contains("image_processor_type")) {
        if (!j["image_processor_type"].is_string()) reader.fail("image_processor_type must be a string");
        return j["image_processor_type"].get<std::string>();
    }
    // Configs saved by the older feature extractor classes name those instead.
    if (j.contains("feature_extractor_type") && j["feature_extractor_type"].is_string() &&
        j["feature_extractor_type"].get<std::string>() == "VideoMAEFeatureExtractor")
        return "VideoMAEImageProcessor";
    reader.fail("no image_processor_type (expected VideoMAEImageProcessor or VivitImageProcessor)");
}

}  // namespace

PreprocessorConfig parse_preprocessor_config(const std::string& json_text,
                                             const std::string& source) {
    json j;
    try {
        j = json::parse(json_text);
    } catch (const json::exception& e) {
        throw Error(source, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw Error(source, "a preprocessor config must be a JSON object");
    const ConfigReader reader(j, source);

    PreprocessorConfig c;
    c.image_processor_type = processor_type(j, reader);
    const bool vivit = c.image_processor_type == "VivitImageProcessor";
    if (!vivit && c.image_processor_type != "VideoMAEImageProcessor")
        reader.fail("unsupported image_processor_type '" + c.image_processor_type +
                    "' (vivid knows VideoMAEImageProcessor and VivitImageProcessor)");
    for (const auto& [key, value] : j.items()) {
        if (kNameKeys.count(key) || kCommonKeys.count(key)) continue;
        if (vivit && kVivitKeys.count(key)) continue;
        reader.fail("unknown option '" + key + "' for " + c.image_processor_type);
    }

    // Written for the ViViT processor of 2024 on when it has `offset`.
    const std::string type = c.image_processor_type;
    c = default_preprocessor_config(type, vivit && j.contains("offset"));

    reader.read_bool("do_resize", c.do_resize);
    reader.read_size(c.size);
    reader.read_resample(c.resample);
    reader.read_bool("do_center_crop", c.do_center_crop);
    reader.read_crop_size(c.crop_height, c.crop_width);
    reader.read_bool("do_rescale", c.do_rescale);
    reader.read_number("rescale_factor", c.rescale_factor);
    reader.read_bool("do_normalize", c.do_normalize);
    reader.read_channels("image_mean", c.image_mean);
    reader.read_channels("image_std", c.image_std);
    if (vivit && j.contains("offset")) {
        reader.read_bool("offset", c.offset);
    } else if (vivit) {
        reader.read_bool("do_zero_centering", c.do_zero_centering);
    }

    if (c.offset && !c.do_rescale)
        reader.fail("offset needs do_rescale (as in HF: \"For offset, do_rescale must also be set "
                    "to True\")");
    if (c.do_normalize)
        for (double s : c.image_std)
            if (s == 0.0) reader.fail("image_std must not contain 0");
    return c;
}

PreprocessorConfig default_preprocessor_config(const std::string& processor_type, bool offset_form) {
    PreprocessorConfig c;  // the struct's initialisers are VideoMAEImageProcessor's defaults
    c.image_processor_type = processor_type;
    if (processor_type != "VivitImageProcessor") return c;
    c.size = ResizeTarget{256, 0, 0};
    if (offset_form) {
        // 2024 on: `offset` replaced do_zero_centering (which that processor ignores), and
        // its defaults changed.
        c.rescale_factor = 1.0 / 127.5;
        c.offset = true;
        c.do_normalize = true;
    } else {
        // The 2023 processor (the one the ViViT conversion script used).
        c.do_zero_centering = true;
        c.do_normalize = false;
    }
    return c;
}

std::string preprocessor_config_to_json(const PreprocessorConfig& c) {
    json j = {{"crop_size", {{"height", c.crop_height}, {"width", c.crop_width}}},
              {"do_center_crop", c.do_center_crop},
              {"do_normalize", c.do_normalize},
              {"do_rescale", c.do_rescale},
              {"do_resize", c.do_resize},
              {"image_mean", c.image_mean},
              {"image_processor_type", c.image_processor_type},
              {"image_std", c.image_std},
              {"resample", static_cast<int>(c.resample)},
              {"rescale_factor", c.rescale_factor}};
    j["size"] = c.size.shortest_edge > 0 ? json{{"shortest_edge", c.size.shortest_edge}}
                                         : json{{"height", c.size.height}, {"width", c.size.width}};
    if (c.image_processor_type == "VivitImageProcessor") {
        if (c.offset) j["offset"] = true;
        else j["do_zero_centering"] = c.do_zero_centering;
    }
    return j.dump(2) + "\n";
}

PreprocessorConfig load_preprocessor_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot open the preprocessor config");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(path, "cannot read the preprocessor config");
    return parse_preprocessor_config(text.str(), path);
}

}  // namespace vivid
