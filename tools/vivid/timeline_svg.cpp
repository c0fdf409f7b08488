#include "timeline_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "clock_time.h"
#include "svg_text.h"

namespace vivid::cli {
namespace {

constexpr double kWidth = 1000, kLeft = 32, kRight = 40, kBandTop = 110, kBandHeight = 44, kScoreTop = 40,
                 kScoreHeight = 60, kLine = 18;
constexpr double kCharWidth = 7;  // about, for a 12 px sans-serif font: what fits where
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr std::size_t kPaletteSize = sizeof kPalette / sizeof *kPalette;

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

double text_width(const std::string& s) { return kCharWidth * static_cast<double>(s.size()); }

// Label i's colour: the palette, then hues a golden angle apart, so that no two labels share one.
std::string nth_colour(std::size_t i) {
    if (i < kPaletteSize) return kPalette[i];
    const double h = std::fmod(static_cast<double>(i) * 137.508, 360.0) / 60.0, s = 0.55, l = 0.5;
    const double c = (1 - std::fabs(2 * l - 1)) * s, x = c * (1 - std::fabs(std::fmod(h, 2.0) - 1)), m = l - c / 2;
    const int sector = static_cast<int>(h);
    const double rgb[6][3] = {{c, x, 0}, {x, c, 0}, {0, c, x}, {0, x, c}, {x, 0, c}, {c, 0, x}};
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>(std::lround((rgb[sector][0] + m) * 255)),
                  static_cast<int>(std::lround((rgb[sector][1] + m) * 255)),
                  static_cast<int>(std::lround((rgb[sector][2] + m) * 255)));
    return buf;
}

// Dark text on light colours, white on dark ones (#rrggbb).
const char* text_colour(const std::string& fill) {
    const auto channel = [&](int i) { return std::stoi(fill.substr(1 + 2 * i, 2), nullptr, 16); };
    return 0.299 * channel(0) + 0.587 * channel(1) + 0.114 * channel(2) > 160 ? "#222" : "white";
}

}  // namespace

std::string timeline_svg(const Timeline& t, const std::string& title) {
    const double t0 = t.windows.empty() ? 0.0 : t.windows.front().window.start;
    const double t1 = t.windows.empty() ? 1.0 : std::max(t.windows.back().window.end, t0 + 1e-3);
    auto x = [&](double seconds) { return kLeft + (seconds - t0) / (t1 - t0) * (kWidth - kLeft - kRight); };
    std::map<std::string, std::string> colour;  // by first appearance, so one label keeps one colour
    std::vector<std::string> labels;            // in that order, for the legend
    for (const Segment& s : t.segments)
        if (!colour.count(s.label)) {
            colour[s.label] = nth_colour(labels.size());
            labels.push_back(s.label);
        }

    std::string body = "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    body += "<text x=\"" + num(kLeft) + "\" y=\"20\" font-size=\"14\">" + escape_svg_text(title) + "</text>\n";
    // Top score per window, at the window's middle: 0 at the bottom of the area, 1 at its top.
    for (double level : {0.0, 0.5, 1.0}) {
        const double y = kScoreTop + (1.0 - level) * kScoreHeight;
        body += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kWidth - kRight) + "\" y2=\"" +
                num(y) + "\" stroke=\"#ddd\"/><text x=\"" + num(kLeft - 4) + "\" y=\"" + num(y + 4) +
                "\" text-anchor=\"end\" fill=\"#999\" font-size=\"10\">" + num(level) + "</text>\n";
    }
    body += "<polyline fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\" points=\"";
    for (const LabelledWindow& w : t.windows) {
        const double score = w.labels.empty() ? 0.0 : w.labels.front().score;
        body += num(x(0.5 * (w.window.start + w.window.end))) + "," + num(kScoreTop + (1.0 - score) * kScoreHeight) + " ";
    }
    body += "\"/>\n<text x=\"" + num(kWidth - kRight) + "\" y=\"" + num(kScoreTop - 4) +
            "\" text-anchor=\"end\" fill=\"#333\">top score</text>\n";

    // Segments: each band says its label when it fits, else its number, and is listed below.
    std::vector<std::string> listed;
    for (std::size_t i = 0; i < t.segments.size(); ++i) {
        const Segment& s = t.segments[i];
        const double a = x(s.start), b = std::max(x(s.end), a + 1.0);
        const std::string times = clock_time(s.start, 2) + " to " + clock_time(s.end, 2);
        const std::string fill = colour[s.label];
        body += "<g><title>" + escape_svg_text(s.label) + ", " + times + ", score " + num(s.score * 100) +
                "%</title><rect x=\"" + num(a) + "\" y=\"" + num(kBandTop) + "\" width=\"" + num(b - a) +
                "\" height=\"" + num(kBandHeight) + "\" fill=\"" + fill + "\"/>";
        std::string inside = s.label;
        if (b - a <= text_width(inside) + 8) {
            inside = std::to_string(i + 1);
            listed.push_back(inside + "  " + times + "  " + s.label + "  (score " + num(s.score * 100) + "%)");
            if (b - a <= text_width(inside) + 4) inside.clear();
        }
        if (!inside.empty())
            body += "<text x=\"" + num(a + 2) + "\" y=\"" + num(kBandTop + kBandHeight / 2 + 4) + "\" fill=\"" +
                    text_colour(fill) + "\">" + escape_svg_text(inside) + "</text>";
        body += "</g>\n";
    }

    // Time axis: ticks at round times (about ten), and one at the end, labelled to its tenth.
    const double span = t1 - t0;
    double step = 7200;
    for (double s : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0})
        if (span / s <= 10) {
            step = s;
            break;
        }
    const int decimals = step < 1 ? 1 : 0;
    const double axis = kBandTop + kBandHeight + 8;
    body += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(axis) + "\" x2=\"" + num(kWidth - kRight) + "\" y2=\"" +
            num(axis) + "\" stroke=\"#333\"/>\n";
    auto tick = [&](double at, const std::string& label) {
        body += "<line x1=\"" + num(x(at)) + "\" y1=\"" + num(axis) + "\" x2=\"" + num(x(at)) + "\" y2=\"" +
                num(axis + 5) + "\" stroke=\"#333\"/><text x=\"" + num(x(at)) + "\" y=\"" + num(axis + 18) +
                "\" text-anchor=\"middle\">" + label + "</text>\n";
    };
    const std::string end_label = clock_time(t1, decimals + 1);
    for (long long k = std::llround(std::ceil(t0 / step - 1e-9));; ++k) {
        const double at = static_cast<double>(k) * step;
        // Round ticks up to the end tick's, where their labels would not overlap it.
        if (x(t1) - x(at) < 0.5 * (text_width(end_label) + text_width(clock_time(at, decimals))) + 6) break;
        tick(at, clock_time(at, decimals));
    }
    tick(t1, end_label);

    // Legend: every label's colour, wrapped over as many rows as it needs.
    double y = axis + 40, left = kLeft;
    body += "<g>\n";
    for (const std::string& label : labels) {
        const double item = 18 + text_width(label) + 16;
        if (left > kLeft && left + item > kWidth - kRight) {
            left = kLeft;
            y += kLine;
        }
        body += "<rect x=\"" + num(left) + "\" y=\"" + num(y - 10) + "\" width=\"12\" height=\"12\" fill=\"" +
                colour[label] + "\"/><text x=\"" + num(left + 18) + "\" y=\"" + num(y) + "\">" + escape_svg_text(label) +
                "</text>\n";
        left += item;
    }
    body += "</g>\n";
    // The segments too short to carry their label, by number.
    if (!listed.empty()) {
        y += kLine + 4;
        body += "<text x=\"" + num(kLeft) + "\" y=\"" + num(y) + "\" fill=\"#333\">Segments too short for their label:</text>\n";
    }
    for (const std::string& line : listed) {
        y += kLine;
        body += "<text x=\"" + num(kLeft) + "\" y=\"" + num(y) + "\" fill=\"#333\">" + escape_svg_text(line) + "</text>\n";
    }

    const std::string height = num(y + 12);
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" + height +
           "\" viewBox=\"0 0 " + num(kWidth) + " " + height + "\" font-family=\"sans-serif\" font-size=\"12\">\n" +
           body + "</svg>\n";
}

}  // namespace vivid::cli
