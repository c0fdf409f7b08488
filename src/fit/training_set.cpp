#include "fit/training_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace vivid {
namespace fs = std::filesystem;
namespace {

void add(std::map<std::string, std::string>& labels, const std::string& path, const std::string& label,
         const std::string& source) {
    const auto [it, added] = labels.emplace(path, label);
    if (!added && it->second != label)
        throw Error(source, "labels " + path + " '" + label + "', but it is already labelled '" + it->second + "'");
}

void read_class_folders(const std::string& folder, std::map<std::string, std::string>& labels,
                        const std::string& role) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw Error(folder, "is not a folder (the " + role + " videos: one sub-folder per class)");
    std::vector<fs::path> classes;
    for (const fs::directory_entry& e : fs::directory_iterator(folder, ec))
        if (e.is_directory(ec)) classes.push_back(e.path());
    std::sort(classes.begin(), classes.end());
    for (const std::string& v : find_videos({folder}))
        if (!fs::path(v).lexically_relative(folder).has_parent_path())
            throw Error(v, "lies outside the class folders (put each video in its class's sub-folder)");
    if (ec) throw Error(folder, "cannot be read: " + ec.message());
    if (classes.empty()) throw Error(folder, "has no class sub-folders (the " + role + " videos: one sub-folder per class)");
    for (const fs::path& c : classes) {
        const std::vector<std::string> videos = find_videos({c.string()});
        if (videos.empty()) throw Error(c.string(), "is an empty class folder: it holds no videos");
        for (const std::string& v : videos) add(labels, v, c.filename().string(), c.string());
    }
}

void read_list(const std::string& list, std::map<std::string, std::string>& labels) {
    std::ifstream in(list);
    if (!in) throw Error(list, "cannot be opened");
    const fs::path base = fs::path(list).parent_path();
    int line_number = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_number;
        const std::string where = list + ":" + std::to_string(line_number);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
        if (record.is_discarded() || !record.is_object() || !record.contains("path") || !record["path"].is_string() ||
            !record.contains("label") || !record["label"].is_string())
            throw Error(where, "is not a JSON object {\"path\": string, \"label\": string}");
        const fs::path path = record["path"].get<std::string>();
        const std::string label = record["label"].get<std::string>();
        if (label.empty()) throw Error(where, "has an empty label");
        add(labels, (path.is_relative() ? base / path : path).lexically_normal().string(), label, where);
    }
    if (line_number == 0) throw Error(list, "lists no videos");
}

}  // namespace

std::vector<LabelledVideo> read_labelled_videos(const LabelledVideos& source, const std::string& role) {
    std::map<std::string, std::string> labels;
    for (const std::string& folder : source.folders) read_class_folders(folder, labels, role);
    for (const std::string& list : source.lists) read_list(list, labels);
    std::vector<LabelledVideo> out;
    for (const auto& [path, label] : labels) out.push_back({path, label});
    return out;
}

std::vector<std::string> class_names(const std::vector<LabelledVideo>& videos) {
    std::vector<std::string> names;
    for (const LabelledVideo& v : videos) names.push_back(v.label);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (names.size() < 2)
        throw Error(names.empty() ? "fit" : "class '" + names.front() + "'",
                    names.empty() ? "no training videos given"
                                  : "is the only class of the training videos; a classifier needs at least two");
    return names;
}

std::vector<int64_t> class_ids(const std::vector<LabelledVideo>& videos, const std::vector<std::string>& classes) {
    std::vector<int64_t> ids;
    for (const LabelledVideo& v : videos) {
        const auto it = std::lower_bound(classes.begin(), classes.end(), v.label);
        if (it == classes.end() || *it != v.label) {
            std::string known;
            for (const std::string& c : classes) known += (known.empty() ? "" : ", ") + c;
            throw Error(v.path, "has the label '" + v.label + "', which no training video has (the classes: " + known + ")");
        }
        ids.push_back(it - classes.begin());
    }
    return ids;
}

}  // namespace vivid
