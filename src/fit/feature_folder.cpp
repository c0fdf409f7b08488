#include "fit/feature_folder.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/npy.h"
#include "vivid/vivid.h"

namespace vivid {
namespace fs = std::filesystem;
namespace {

std::string absolute_path(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

void require_setting(const nlohmann::json& record, const char* key, const nlohmann::json& expected,
                     const std::string& where) {
    if (!record.contains(key) || record[key] != expected)
        throw Error(where, std::string("was made with ") + key + " " + (record.contains(key) ? record[key].dump() : "(unrecorded)") +
                               ", this fit uses " + expected.dump() + " (run vivid features with the fit's model and settings)");
}

// `vivid features` names each .npy relative to its folder; a record that points elsewhere (an
// absolute path, "..") was not written by it, and must not make a fit read files outside.
std::string npy_inside(const std::string& dir, const std::string& npy, const std::string& where) {
    const fs::path relative = fs::path(npy).lexically_normal();
    if (npy.empty() || relative.is_absolute() || relative.empty() || *relative.begin() == "..")
        throw Error(where, "names the .npy file '" + npy + "' outside the features folder");
    return (fs::path(dir) / relative).string();
}

}  // namespace

FeatureFolder read_feature_folder(const std::string& dir, const FeatureSettings& expected) {
    FeatureFolder folder{dir, {}, {}};
    const std::string records = (fs::path(dir) / "features.jsonl").string();
    std::ifstream in(records);
    if (!in) throw Error(records, "cannot be opened (the features folder must be a `vivid features` output folder)");
    int line_number = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_number;
        const std::string where = records + ":" + std::to_string(line_number);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const nlohmann::json r = nlohmann::json::parse(line, nullptr, false);
        if (r.is_discarded() || !r.is_object() || !r.contains("path") || !r["path"].is_string() ||
            r["path"].get<std::string>().empty())
            throw Error(where, "is not a `vivid features` record");
        require_setting(r, "model", absolute_path(expected.model_folder), where);
        require_setting(r, "precision", expected.precision, where);
        require_setting(r, "recipe", feature_recipe_name(FeatureRecipe::HfPipeline), where);  // the clip classify takes
        require_setting(r, "frame_sampling_rate", expected.frame_sampling_rate, where);
        const std::string video = absolute_path(r["path"].get<std::string>());
        if (r.contains("error")) folder.errors[video] = r["error"].is_string() ? r["error"].get<std::string>() : r["error"].dump();
        else if (r.contains("npy") && r["npy"].is_string()) folder.npy[video] = npy_inside(dir, r["npy"].get<std::string>(), where);
        else throw Error(where, "has neither an npy file nor an error");
    }
    return folder;
}

std::vector<float> first_window_vector(const FeatureFolder& folder, const std::string& video, int64_t hidden) {
    const std::string key = absolute_path(video);
    if (const auto e = folder.errors.find(key); e != folder.errors.end()) throw Error(video, "vivid features failed on it: " + e->second);
    const auto npy = folder.npy.find(key);
    if (npy == folder.npy.end())
        throw Error(video, "has no record in " + (fs::path(folder.dir) / "features.jsonl").string() +
                               " (run vivid features on it first)");
    const Tensor t = read_npy(npy->second);
    if (t.dtype() != DType::F32 || t.dim() != 2 || t.size(1) != hidden)
        throw Error(npy->second, "is " + shape_to_string(t.shape()) + ", not float32 (windows, " + std::to_string(hidden) + ")");
    if (t.size(0) == 0) throw Error(video, "has no whole window in " + npy->second + " (the video is shorter than one clip)");
    const float* row = t.data<float>();
    return {row, row + hidden};
}

}  // namespace vivid
