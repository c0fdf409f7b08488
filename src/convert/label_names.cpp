#include "convert/label_names.h"

#include "convert/embedded_data.h"
#include "vivid/vivid.h"

#include <set>

namespace vivid {

std::vector<std::string> parse_label_list(std::string_view text, const std::string& source) {
    std::vector<std::string> names;
    std::set<std::string_view> seen;
    std::size_t line_number = 0;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        // A repeated name would make label2id lose a class, as it does in HF's {v: k} inversion.
        if (!seen.insert(line).second) {
            throw Error(source, "line " + std::to_string(line_number) + ": duplicate label '" +
                                    std::string(line) + "'");
        }
        names.emplace_back(line);
    }
    return names;
}

std::vector<std::string> label_names(std::string_view dataset) {
    const std::string file = std::string(dataset) + "_labels.txt";
    const auto text = embedded_data_file(file);
    if (!text) {
        std::string known;
        for (std::string_view name : embedded_data_file_names())
            if (name.ends_with("_labels.txt"))
                known += (known.empty() ? "" : ", ") + std::string(name.substr(0, name.size() - 11));
        throw Error("labels", "unknown label set '" + std::string(dataset) + "' (known: " + known + ")");
    }
    return parse_label_list(*text, file);
}

}  // namespace vivid
