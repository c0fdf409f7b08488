// The inputs of a batch run: files and folders (searched recursively by video extension) and
// list files, sorted so that every machine of a sharded run sees the same order.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include "vivid/vivid.h"

namespace vivid {
namespace fs = std::filesystem;
namespace {

// What FFmpeg-built video files are usually called, plus vivid's .npy (T,H,W,3) clips.
const std::set<std::string> kVideoExtensions = {".3gp", ".avi", ".flv", ".m4v", ".mkv", ".mov", ".mp4", ".mpeg",
                                                ".mpg", ".npy", ".ogv", ".ts",  ".webm", ".wmv"};

bool has_video_extension(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return kVideoExtensions.count(ext) != 0;
}

void add_folder(const fs::path& folder, std::set<std::string>& out) {
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw Error(folder.string(), "cannot be read: " + ec.message());
    for (; it != end; it.increment(ec)) {
        if (ec) throw Error(folder.string(), "cannot be read: " + ec.message());
        if (it->is_regular_file(ec) && has_video_extension(it->path())) out.insert(it->path().string());
    }
}

}  // namespace

std::vector<std::string> find_videos(const std::vector<std::string>& inputs, const std::string& list_file) {
    std::vector<std::string> named = inputs;
    if (!list_file.empty()) {
        std::ifstream list(list_file);
        if (!list) throw Error(list_file, "cannot be opened");
        for (std::string line; std::getline(list, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty() && line[0] != '#') named.push_back(line);
        }
    }
    std::set<std::string> out;
    for (const std::string& input : named) {
        if (fs::is_directory(input)) add_folder(input, out);
        else out.insert(input);  // a file named directly is taken whatever its extension; errors come per video
    }
    return {out.begin(), out.end()};
}

Shard parse_shard(const std::string& text, const std::string& source) {
    const auto slash = text.find('/');
    Shard s;
    try {
        std::size_t used = 0;
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        s.index = std::stoi(text.substr(0, slash), &used);
        if (used != slash) throw std::invalid_argument("index");
        const std::string count = text.substr(slash + 1);
        s.count = std::stoi(count, &used);
        if (used != count.size()) throw std::invalid_argument("count");
    } catch (const std::exception&) {
        throw Error(source, "'" + text + "' is not I/N (shard I of N, counting from 0)");
    }
    if (s.count < 1 || s.index < 0 || s.index >= s.count)
        throw Error(source, "'" + text + "' needs 0 <= I < N");
    return s;
}

std::vector<std::string> take_shard(const std::vector<std::string>& videos, Shard shard) {
    std::vector<std::string> part;
    for (std::size_t p = static_cast<std::size_t>(shard.index); p < videos.size(); p += static_cast<std::size_t>(shard.count))
        part.push_back(videos[p]);
    return part;
}

}  // namespace vivid
