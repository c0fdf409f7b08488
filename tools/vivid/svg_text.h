// Text inside the CLI's SVG pictures (the timeline, fit's confusion matrices): label names are the
// model's or the user's, so the five characters XML gives meaning to are escaped.
#pragma once

#include <string>

namespace vivid::cli {

inline std::string escape_svg_text(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

}  // namespace vivid::cli
