// The timeline picture (`vivid timeline --svg`): a legend of every label's colour, every segment
// labelled in its band or listed below, the axis' last tick at the end, tooltips with the real
// start and end, and times a person reads (rounded, never 60.120000000000005).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "timeline_svg.h"
#include "vivid/vivid.h"

namespace vivid::cli {
namespace {

struct Span {
    double start, end;
    std::string label;
    double score;
};

Timeline make_timeline(const std::vector<Span>& windows) {
    Timeline t;
    for (const Span& w : windows) t.windows.push_back({{0, 0, w.start, w.end}, {{w.label, w.score}}});
    t.segments = timeline_segments(t.windows);
    return t;
}

// Windows of `seconds` end to end, labelled by `label_of(k)`, from products of doubles as a
// stream's timestamps are (0.32 * 188 is 60.160000000000004).
Timeline even_windows(int count, double seconds, const std::function<std::string(int)>& label_of) {
    std::vector<Span> w;
    for (int k = 0; k < count; ++k) w.push_back({k * seconds, (k + 1) * seconds, label_of(k), 0.5 + 0.001 * (k % 7)});
    return make_timeline(w);
}

std::vector<std::smatch> all(const std::string& text, const std::regex& re) {
    return {std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()};
}

// Band i: its tooltip, fill and the text inside it (empty when none).
struct Band {
    std::string title, fill, text;
};
std::vector<Band> bands(const std::string& svg) {
    std::vector<Band> out;
    static const std::regex re(R"re(<g><title>([^<]*)</title><rect [^>]*fill="([^"]*)"/>(?:<text [^>]*>([^<]*)</text>)?</g>)re");
    for (const auto& m : all(svg, re)) out.push_back({m[1], m[2], m[3]});
    return out;
}

// The legend: label -> colour.
std::map<std::string, std::string> legend(const std::string& svg) {
    std::map<std::string, std::string> out;
    static const std::regex re(R"re(<rect [^>]*width="12" height="12" fill="([^"]*)"/><text [^>]*>([^<]*)</text>)re");
    for (const auto& m : all(svg, re)) out[m[2]] = m[1];
    return out;
}

// The axis' tick labels, left to right: (x, text).
std::vector<std::pair<double, std::string>> ticks(const std::string& svg) {
    std::vector<std::pair<double, std::string>> out;
    static const std::regex re(R"re(<text x="([0-9.]+)" y="[0-9.]+" text-anchor="middle">([^<]*)</text>)re");
    for (const auto& m : all(svg, re)) out.emplace_back(std::stod(m[1]), m[2]);
    return out;
}

TEST(TimelineSvg, ALegendGivesEveryLabelItsOwnColour) {
    // Twelve labels, more than the palette's ten colours.
    const Timeline t = even_windows(120, 1.0, [](int k) { return "class " + std::to_string(k / 10); });
    const std::string svg = timeline_svg(t, "clip.mp4");
    const auto colours = legend(svg);
    ASSERT_EQ(colours.size(), 12u) << svg;
    std::set<std::string> distinct;
    for (const auto& [label, colour] : colours) distinct.insert(colour);
    EXPECT_EQ(distinct.size(), 12u) << "two labels share a colour";
    const auto b = bands(svg);
    ASSERT_EQ(b.size(), t.segments.size());
    for (std::size_t i = 0; i < b.size(); ++i)
        EXPECT_EQ(b[i].fill, colours.at(t.segments[i].label)) << "segment " << i << " is not its label's colour";
}

TEST(TimelineSvg, EverySegmentIsLabelledInItsBandOrListed) {
    // Ten minutes of "walking" with one-second blips of other labels: too narrow for their names.
    const Timeline t = even_windows(600, 1.0, [](int k) {
        if (k % 97 == 50) return std::string("jumping jacks");
        if (k % 131 == 70) return std::string("falling down");
        return std::string("walking");
    });
    const std::string svg = timeline_svg(t, "long.mp4");
    const auto b = bands(svg);
    ASSERT_EQ(b.size(), t.segments.size());
    int listed = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const Segment& s = t.segments[i];
        if (b[i].text == s.label) continue;
        // Listed below the picture by its number, with its times and label.
        const std::string number = std::to_string(i + 1);
        const std::regex line("<text [^>]*>" + number + "  [0-9:.]+ to [0-9:.]+  " + s.label + "  \\(score [0-9.]+%\\)</text>");
        EXPECT_TRUE(std::regex_search(svg, line)) << "segment " << number << " (" << s.label << ") is neither labelled nor listed";
        ++listed;
    }
    EXPECT_GT(listed, 5) << "the blips are too narrow for their names";
}

TEST(TimelineSvg, TheAxisEndsWithATickAtTheEnd) {
    const std::pair<double, std::string> ends[] = {{25.32, "0:25.3"}, {0.76, "0:00.76"}, {3725.0, "1:02:05"}};
    for (const auto& [end, end_label] : ends) {
        const Timeline t = make_timeline({{0.0, end / 2, "a", 0.9}, {end / 2, end, "b", 0.8}});
        const auto labels = ticks(timeline_svg(t, "clip.mp4"));
        ASSERT_GE(labels.size(), 2u) << end;
        EXPECT_EQ(labels.front().second, "0:00") << end;
        EXPECT_DOUBLE_EQ(labels.back().first, 960.0) << end << ": the last tick is at the axis' end";
        EXPECT_LE(labels.back().first + 3.5 * static_cast<double>(labels.back().second.size()), 1000.0) << "inside the picture";
        for (std::size_t i = 1; i < labels.size(); ++i)
            EXPECT_GT(labels[i].first - labels[i - 1].first, 40.0) << end << ": tick labels overlap";
        EXPECT_EQ(labels.back().second, end_label);
    }
}

TEST(TimelineSvg, TooltipsGiveTheRealStartAndEnd) {
    const Timeline t = make_timeline({{0.0, 100.12, "a", 0.9}, {100.12, 100.44, "b", 0.75}, {100.44, 200.0, "a", 0.9}});
    const auto b = bands(timeline_svg(t, "clip.mp4"));
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b[1].title, "b, 1:40.12 to 1:40.44, score 75.0%");
}

TEST(TimelineSvg, TimesAreRoundedForPeople) {
    const Timeline t = even_windows(200, 0.32, [](int k) { return k % 40 < 20 ? "sitting" : "standing"; });
    ASSERT_EQ(t.windows[188].window.start, 0.32 * 188);  // 60.160000000000004
    const std::string svg = timeline_svg(t, "clip.mp4");
    EXPECT_FALSE(std::regex_search(svg, std::regex(R"([0-9]\.[0-9]{3,}|[0-9]e[-+][0-9])"))) << svg;
}

}  // namespace
}  // namespace vivid::cli
