#include "timeline_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

namespace vivid::cli {
namespace {

constexpr double kWidth = 1000, kLeft = 32, kRight = 20, kBandTop = 110, kBandHeight = 44, kScoreTop = 40,
                 kScoreHeight = 60;
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string escape(const std::string& s) {
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

std::string mmss(double seconds) {
    const long s = std::lround(std::max(0.0, seconds));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

}  // namespace

std::string timeline_svg(const Timeline& t, const std::string& title) {
    const double t0 = t.windows.empty() ? 0.0 : t.windows.front().window.start;
    const double t1 = t.windows.empty() ? 1.0 : std::max(t.windows.back().window.end, t0 + 1e-3);
    auto x = [&](double seconds) { return kLeft + (seconds - t0) / (t1 - t0) * (kWidth - kLeft - kRight); };
    std::map<std::string, std::string> colour;  // by first appearance, so one label keeps one colour
    for (const Segment& s : t.segments)
        if (!colour.count(s.label)) colour[s.label] = kPalette[colour.size() % (sizeof kPalette / sizeof *kPalette)];

    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) +
                      "\" height=\"200\" viewBox=\"0 0 " + num(kWidth) +
                      " 200\" font-family=\"sans-serif\" font-size=\"12\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + num(kLeft) + "\" y=\"20\" font-size=\"14\">" + escape(title) + "</text>\n";
    // Top score per window, at the window's middle: 0 at the bottom of the area, 1 at its top.
    for (double level : {0.0, 0.5, 1.0}) {
        const double y = kScoreTop + (1.0 - level) * kScoreHeight;
        svg += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kWidth - kRight) + "\" y2=\"" + num(y) +
               "\" stroke=\"#ddd\"/><text x=\"" + num(kLeft - 4) + "\" y=\"" + num(y + 4) +
               "\" text-anchor=\"end\" fill=\"#999\" font-size=\"10\">" + num(level) + "</text>\n";
    }
    svg += "<polyline fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\" points=\"";
    for (const LabelledWindow& w : t.windows) {
        const double score = w.labels.empty() ? 0.0 : w.labels.front().score;
        svg += num(x(0.5 * (w.window.start + w.window.end))) + "," + num(kScoreTop + (1.0 - score) * kScoreHeight) + " ";
    }
    svg += "\"/>\n<text x=\"" + num(kWidth - kRight) + "\" y=\"" + num(kScoreTop - 4) +
           "\" text-anchor=\"end\" fill=\"#333\">top score</text>\n";
    for (const Segment& s : t.segments) {
        const double a = x(s.start), b = std::max(x(s.end), a + 1.0);
        svg += "<g><title>" + escape(s.label) + " " + mmss(s.start) + "-" + mmss(s.end) + " score " + num(s.score * 100) +
               "%</title><rect x=\"" + num(a) + "\" y=\"" + num(kBandTop) + "\" width=\"" + num(b - a) +
               "\" height=\"" + num(kBandHeight) + "\" fill=\"" + colour[s.label] + "\"/>";
        // The label inside its band when it fits (about 7 px per character).
        if (b - a > 7.0 * static_cast<double>(s.label.size()) + 8)
            svg += "<text x=\"" + num(a + 4) + "\" y=\"" + num(kBandTop + kBandHeight / 2 + 4) + "\" fill=\"white\">" +
                   escape(s.label) + "</text>";
        svg += "</g>\n";
    }
    // Time axis: about ten ticks at round seconds.
    const double span = t1 - t0;
    double step = 1;
    for (double s : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0})
        if (span / s <= 10) {
            step = s;
            break;
        }
    const double axis = kBandTop + kBandHeight + 8;
    svg += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(axis) + "\" x2=\"" + num(kWidth - kRight) + "\" y2=\"" +
           num(axis) + "\" stroke=\"#333\"/>\n";
    for (double s = std::ceil(t0 / step) * step; s <= t1 + 1e-9; s += step)
        svg += "<line x1=\"" + num(x(s)) + "\" y1=\"" + num(axis) + "\" x2=\"" + num(x(s)) + "\" y2=\"" + num(axis + 5) +
               "\" stroke=\"#333\"/><text x=\"" + num(x(s)) + "\" y=\"" + num(axis + 18) + "\" text-anchor=\"middle\">" +
               mmss(s) + "</text>\n";
    svg += "</svg>\n";
    return svg;
}

}  // namespace vivid::cli
