// Byte-exact agreement with Pillow 9.4's Image.resize on awkward sizes, every filter.
// The expected bytes come from tests/data/resize/make_resize_golden.py (the real Pillow).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "test_support.h"
#include "video/pillow_resize.h"
#include "vivid/vivid.h"
#include "video/preprocess.h"

namespace {

struct GoldenImage {
    int height = 0, width = 0;
    std::vector<uint8_t> pixels;
};
struct GoldenCase {
    int image = 0, out_height = 0, out_width = 0, filter = 0;
    std::vector<uint8_t> expected;
};
struct Golden {
    std::vector<GoldenImage> images;
    std::vector<GoldenCase> cases;
};

// A cursor over the golden file that fails the test instead of reading past the end.
class Reader {
public:
    explicit Reader(std::string bytes) : bytes_(std::move(bytes)) {}
    uint32_t u32() {
        uint32_t v = 0;
        take(&v, 4);
        return v;  // the test machines are little-endian, as the file
    }
    std::vector<uint8_t> bytes(std::size_t n) {
        std::vector<uint8_t> v(n);
        take(v.data(), n);
        return v;
    }
    bool at_end() const { return pos_ == bytes_.size(); }

private:
    void take(void* out, std::size_t n) {
        if (n > bytes_.size() - pos_) throw std::runtime_error("resize_cases.bin truncated");
        std::memcpy(out, bytes_.data() + pos_, n);
        pos_ += n;
    }
    std::string bytes_;
    std::size_t pos_ = 0;
};

Golden load_golden() {
    Reader r(vivid::test::read_bytes(vivid::test::data_dir() / "resize" / "resize_cases.bin"));
    std::vector<uint8_t> magic = r.bytes(8);
    if (std::string(magic.begin(), magic.end()) != "VIVIDRSZ")
        throw std::runtime_error("resize_cases.bin: bad magic");
    Golden g;
    const uint32_t image_count = r.u32(), case_count = r.u32(), version_length = r.u32();
    r.bytes(version_length);
    for (uint32_t i = 0; i < image_count; ++i) {
        GoldenImage img;
        img.height = static_cast<int>(r.u32());
        img.width = static_cast<int>(r.u32());
        img.pixels = r.bytes(static_cast<std::size_t>(img.height) * img.width * 3);
        g.images.push_back(std::move(img));
    }
    for (uint32_t i = 0; i < case_count; ++i) {
        GoldenCase c;
        c.image = static_cast<int>(r.u32());
        c.out_height = static_cast<int>(r.u32());
        c.out_width = static_cast<int>(r.u32());
        c.filter = static_cast<int>(r.u32());
        if (c.image < 0 || c.image >= static_cast<int>(g.images.size()))
            throw std::runtime_error("resize_cases.bin: bad image index");
        c.expected = r.bytes(static_cast<std::size_t>(c.out_height) * c.out_width * 3);
        g.cases.push_back(std::move(c));
    }
    if (!r.at_end()) throw std::runtime_error("resize_cases.bin: trailing bytes");
    return g;
}

std::string describe(const GoldenImage& img, const GoldenCase& c) {
    return std::to_string(img.height) + "x" + std::to_string(img.width) + " -> " +
           std::to_string(c.out_height) + "x" + std::to_string(c.out_width) + " filter " +
           std::to_string(c.filter);
}

TEST(PillowResize, MatchesPillowByteForByteOnEveryGoldenCase) {
    const Golden g = load_golden();
    ASSERT_GE(g.cases.size(), 200u);
    int checked = 0;
    for (const GoldenCase& c : g.cases) {
        const GoldenImage& img = g.images[c.image];
        std::vector<uint8_t> out(c.expected.size(), 0xAB);
        vivid::resize_rgb_like_pillow(img.pixels.data(), img.height, img.width, out.data(),
                                      c.out_height, c.out_width,
                                      static_cast<vivid::Resample>(c.filter));
        std::size_t mismatches = 0, first = 0;
        for (std::size_t i = 0; i < out.size(); ++i)
            if (out[i] != c.expected[i] && mismatches++ == 0) first = i;
        EXPECT_EQ(mismatches, 0u) << describe(img, c) << ": first differing byte " << first
                                  << " got " << int(out[first]) << " want "
                                  << int(c.expected[first]);
        ++checked;
    }
    EXPECT_EQ(checked, static_cast<int>(g.cases.size()));
}

// Any window of the output equals the same pixels of the full resize (what the
// preprocessing relies on to resize only the center crop).
TEST(PillowResize, WindowEqualsTheSamePixelsOfTheFullResize) {
    const Golden g = load_golden();
    for (const GoldenCase& c : g.cases) {
        const GoldenImage& img = g.images[c.image];
        vivid::pillow::RgbResizer resizer(img.height, img.width, c.out_height, c.out_width,
                                          static_cast<vivid::Resample>(c.filter));
        const int y0 = c.out_height / 3, y1 = c.out_height - c.out_height / 4;
        const int x0 = c.out_width / 4, x1 = c.out_width - c.out_width / 3;
        const int w3 = (x1 - x0) * 3;
        std::vector<uint8_t> window(static_cast<std::size_t>(y1 - y0) * w3 + 1);
        resizer.resize_window(img.pixels.data(), window.data(), w3, y0, y1, x0, x1);
        for (int y = y0; y < y1; ++y)
            for (int i = 0; i < w3; ++i)
                ASSERT_EQ(window[(y - y0) * w3 + i],
                          c.expected[(static_cast<std::size_t>(y) * c.out_width + x0) * 3 + i])
                    << describe(img, c) << " at row " << y;
    }
}

TEST(PillowResize, RejectsEmptySizesAndUnknownFilters) {
    std::vector<uint8_t> in(12, 7), out(12);
    EXPECT_THROW(vivid::resize_rgb_like_pillow(in.data(), 2, 2, out.data(), 0, 2,
                                               vivid::Resample::Bilinear),
                 vivid::Error);
    EXPECT_THROW(vivid::resize_rgb_like_pillow(in.data(), 0, 2, out.data(), 2, 2,
                                               vivid::Resample::Bilinear),
                 vivid::Error);
    EXPECT_THROW(vivid::resize_rgb_like_pillow(in.data(), 2, 2, out.data(), 2, 2,
                                               static_cast<vivid::Resample>(6)),
                 vivid::Error);
}

TEST(PillowResize, WindowOutsideTheOutputIsAnError) {
    std::vector<uint8_t> in(12, 7), out(64);
    vivid::pillow::RgbResizer resizer(2, 2, 4, 4, vivid::Resample::Bicubic);
    EXPECT_THROW(resizer.resize_window(in.data(), out.data(), 12, 0, 5, 0, 4), vivid::Error);
    EXPECT_THROW(resizer.resize_window(in.data(), out.data(), 12, 0, 4, 2, 1), vivid::Error);
}

}  // namespace
