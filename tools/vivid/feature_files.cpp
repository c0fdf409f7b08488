#include "feature_files.h"

#include <filesystem>

#include "vivid/vivid.h"

namespace vivid::cli {
namespace fs = std::filesystem;

namespace {

fs::path absolute_path(const std::string& p) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(p, ec);
    return ec ? fs::absolute(p).lexically_normal() : canonical;
}

// The deepest folder holding every path.
fs::path common_folder(const std::vector<fs::path>& paths) {
    fs::path common = paths.front().parent_path();
    for (const fs::path& p : paths) {
        const fs::path folder = p.parent_path();
        fs::path shared;
        auto a = common.begin();
        for (auto b = folder.begin(); a != common.end() && b != folder.end() && *a == *b; ++a, ++b) shared /= *a;
        common = shared;
    }
    return common;
}

bool inside(const fs::path& path, const fs::path& folder) {
    const fs::path rel = path.lexically_relative(folder);
    return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

std::map<std::string, std::string> feature_file_names(const std::vector<std::string>& videos) {
    std::map<std::string, std::string> names;
    if (videos.empty()) return names;
    std::vector<fs::path> absolute;
    for (const std::string& v : videos) absolute.push_back(absolute_path(v));
    const fs::path root = common_folder(absolute);
    std::map<std::string, int> uses;  // the name without extension -> videos that would take it
    for (const fs::path& a : absolute) ++uses[a.lexically_relative(root).replace_extension(".npy").string()];
    for (std::size_t i = 0; i < videos.size(); ++i) {
        const fs::path rel = absolute[i].lexically_relative(root);
        fs::path npy = fs::path(rel).replace_extension(".npy");
        if (uses[npy.string()] > 1) npy = rel.string() + ".npy";
        names[videos[i]] = npy.string();
    }
    return names;
}

std::vector<std::string> feature_inputs(const std::vector<std::string>& inputs, const std::string& list_file,
                                        const std::string& out_dir, int64_t& passed_over) {
    const fs::path out = absolute_path(out_dir);
    std::vector<std::string> kept;
    passed_over = 0;
    for (const std::string& input : inputs) {
        std::error_code ec;
        if (!fs::is_directory(input, ec)) {
            kept.push_back(input);
            continue;
        }
        for (const std::string& v : find_videos({input})) {
            if (inside(absolute_path(v), out)) ++passed_over;
            else kept.push_back(v);
        }
    }
    return find_videos(kept, list_file);
}

void refuse_overwriting_inputs(const std::map<std::string, std::string>& names, const std::string& out_dir) {
    std::map<fs::path, std::string> inputs;
    for (const auto& [video, npy] : names) inputs[absolute_path(video)] = video;
    for (const auto& [video, npy] : names) {
        const fs::path target = fs::path(out_dir) / npy;
        if (auto it = inputs.find(absolute_path(target.string())); it != inputs.end())
            throw Error(target.string(), "is the input " + it->second +
                                             "; its features would overwrite it (choose an output folder apart from the inputs)");
    }
}

}  // namespace vivid::cli
