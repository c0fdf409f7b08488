// The msgpack decoder against byte strings written by hand from the msgpack spec
// (github.com/msgpack/msgpack/blob/master/spec.md), every format family and its edges.
#include "formats/msgpack_reader.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "vivid/vivid.h"

namespace vivid {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
    std::vector<std::byte> out;
    for (int v : values) out.push_back(static_cast<std::byte>(v));
    return out;
}

MsgpackValue parse(const std::vector<std::byte>& b, const MsgpackLimits& limits = {}) {
    return parse_msgpack(b, "test.msgpack", limits);
}

std::string error_of(const std::vector<std::byte>& b, const MsgpackLimits& limits = {}) {
    try {
        parse(b, limits);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(MsgpackReader, Integers) {
    EXPECT_EQ(parse(bytes({0x00})).int_value, 0);
    EXPECT_EQ(parse(bytes({0x7f})).int_value, 127);
    EXPECT_EQ(parse(bytes({0xe0})).int_value, -32);
    EXPECT_EQ(parse(bytes({0xff})).int_value, -1);
    EXPECT_EQ(parse(bytes({0xcc, 0xff})).int_value, 255);
    EXPECT_EQ(parse(bytes({0xcd, 0x12, 0x34})).int_value, 0x1234);
    EXPECT_EQ(parse(bytes({0xce, 0xff, 0xff, 0xff, 0xff})).int_value, 4294967295LL);
    EXPECT_EQ(parse(bytes({0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})).int_value,
              INT64_MAX);
    const MsgpackValue big = parse(bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}));
    EXPECT_EQ(big.kind, MsgpackKind::UInt);
    EXPECT_EQ(big.uint_value, UINT64_MAX - 1);
    EXPECT_EQ(parse(bytes({0xd0, 0x80})).int_value, -128);
    EXPECT_EQ(parse(bytes({0xd1, 0xff, 0x00})).int_value, -256);
    EXPECT_EQ(parse(bytes({0xd2, 0x80, 0x00, 0x00, 0x00})).int_value, INT32_MIN);
    EXPECT_EQ(parse(bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})).int_value, INT64_MIN);
    EXPECT_EQ(parse(bytes({0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe})).int_value, -2);
}

TEST(MsgpackReader, NilBoolFloat) {
    EXPECT_EQ(parse(bytes({0xc0})).kind, MsgpackKind::Nil);
    EXPECT_FALSE(parse(bytes({0xc2})).boolean);
    EXPECT_TRUE(parse(bytes({0xc3})).boolean);
    EXPECT_EQ(parse(bytes({0xca, 0x3f, 0xc0, 0x00, 0x00})).float_value, 1.5);
    EXPECT_EQ(parse(bytes({0xcb, 0xc0, 0x29, 0, 0, 0, 0, 0, 0})).float_value, -12.5);
}

TEST(MsgpackReader, StringsAndBinaryAreViewsIntoTheInput) {
    const auto in = bytes({0xa3, 'a', 'b', 'c'});
    const MsgpackValue s = parse(in);
    EXPECT_EQ(s.kind, MsgpackKind::Str);
    EXPECT_EQ(s.text(), "abc");
    EXPECT_EQ(s.bytes.data(), in.data() + 1);
    EXPECT_EQ(parse(bytes({0xd9, 0x02, 'h', 'i'})).text(), "hi");
    EXPECT_EQ(parse(bytes({0xda, 0x00, 0x01, 'x'})).text(), "x");
    EXPECT_EQ(parse(bytes({0xdb, 0, 0, 0, 0x01, 'y'})).text(), "y");
    EXPECT_EQ(parse(bytes({0xa0})).text(), "");
    const MsgpackValue b = parse(bytes({0xc4, 0x02, 0x01, 0x02}));
    EXPECT_EQ(b.kind, MsgpackKind::Bin);
    EXPECT_EQ(b.bytes.size(), 2u);
    EXPECT_EQ(parse(bytes({0xc5, 0x00, 0x01, 0x09})).bytes.size(), 1u);
    EXPECT_EQ(parse(bytes({0xc6, 0, 0, 0, 0x00})).bytes.size(), 0u);
}

TEST(MsgpackReader, Extensions) {
    const MsgpackValue f1 = parse(bytes({0xd4, 0x01, 0xaa}));
    EXPECT_EQ(f1.kind, MsgpackKind::Ext);
    EXPECT_EQ(f1.ext_type, 1);
    EXPECT_EQ(f1.bytes.size(), 1u);
    EXPECT_EQ(parse(bytes({0xd5, 0x02, 0, 0})).bytes.size(), 2u);
    EXPECT_EQ(parse(bytes({0xd6, 0x03, 0, 0, 0, 0})).bytes.size(), 4u);
    EXPECT_EQ(parse(bytes({0xd7, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})).ext_type, -1);
    EXPECT_EQ(parse(bytes({0xd8, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})).bytes.size(),
              16u);
    EXPECT_EQ(parse(bytes({0xc7, 0x03, 0x01, 1, 2, 3})).bytes.size(), 3u);
    EXPECT_EQ(parse(bytes({0xc8, 0x00, 0x01, 0x02, 9})).ext_type, 2);
    EXPECT_EQ(parse(bytes({0xc9, 0, 0, 0, 0x00, 0x03})).bytes.size(), 0u);
}

TEST(MsgpackReader, ArraysAndMaps) {
    const auto array_bytes = bytes({0x93, 0x01, 0xa1, 'x', 0xc0});  // values view their input
    const MsgpackValue a = parse(array_bytes);
    ASSERT_EQ(a.kind, MsgpackKind::Array);
    ASSERT_EQ(a.items.size(), 3u);
    EXPECT_EQ(a.items[1].text(), "x");
    EXPECT_EQ(a.items[1].offset, 2u);
    EXPECT_EQ(parse(bytes({0xdc, 0x00, 0x02, 0x01, 0x02})).items.size(), 2u);
    EXPECT_EQ(parse(bytes({0xdd, 0, 0, 0, 0x01, 0x05})).items[0].int_value, 5);

    // {"a": 1, "b": {"c": [true]}, "a": 2}: find() keeps the last duplicate, like Python.
    const auto map_bytes = bytes({0x83, 0xa1, 'a', 0x01, 0xa1, 'b', 0x81, 0xa1, 'c', 0x91, 0xc3,
                                  0xa1, 'a', 0x02});
    const MsgpackValue m = parse(map_bytes);
    ASSERT_TRUE(m.is_map());
    EXPECT_EQ(m.map_size(), 3u);
    EXPECT_EQ(m.find("a")->int_value, 2);
    EXPECT_TRUE(m.find("b")->find("c")->items[0].boolean);
    EXPECT_EQ(m.find("z"), nullptr);
    EXPECT_EQ(parse(bytes({0xde, 0x00, 0x01, 0xa1, 'k', 0xc0})).map_size(), 1u);
    EXPECT_EQ(parse(bytes({0xdf, 0, 0, 0, 0x01, 0x01, 0x02})).map_key(0).int_value, 1);
}

TEST(MsgpackReader, RefusesMalformedInput) {
    EXPECT_NE(error_of({}).find("empty"), std::string::npos);
    EXPECT_NE(error_of(bytes({0xc1})).find("reserved type byte"), std::string::npos);
    EXPECT_NE(error_of(bytes({0x01, 0x02})).find("trailing"), std::string::npos);
    // Truncated: each length checked against the bytes left.
    for (const auto& b : {bytes({0xa3, 'a'}), bytes({0xd9}), bytes({0xcd, 0x01}),
                          bytes({0xcb, 0, 0}), bytes({0xc6, 0xff, 0xff, 0xff, 0xff}),
                          bytes({0xc9, 0, 0, 0, 0x04, 0x01, 0}), bytes({0xd8, 0x01, 0}),
                          bytes({0xd4}), bytes({0x92, 0x01}),
                          bytes({0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}),
                          bytes({0xdf, 0x7f, 0xff, 0xff, 0xff}), bytes({0x81, 0xa1, 'k'})}) {
        const std::string e = error_of(b);
        EXPECT_NE(e.find("truncated"), std::string::npos) << e;
        EXPECT_EQ(e.rfind("test.msgpack: ", 0), 0u) << e;
    }
}

TEST(MsgpackReader, DepthLimit) {
    std::vector<std::byte> deep(1000, std::byte{0x91});  // [[[[...
    deep.push_back(std::byte{0xc0});
    const std::string e = error_of(deep);
    EXPECT_NE(e.find("nesting deeper than 128"), std::string::npos) << e;

    std::vector<std::byte> ok(10, std::byte{0x91});
    ok.push_back(std::byte{0xc0});
    EXPECT_NO_THROW(parse(ok));
    EXPECT_NE(error_of(ok, MsgpackLimits{.max_depth = 5}).find("nesting"), std::string::npos);
}

// Each value costs ~90 bytes of tree for one byte of file: the count is bounded, and a
// container's claim is checked against the bound before its items are reserved.
TEST(MsgpackReader, ValueCountLimit) {
    auto array32 = [](uint32_t n) {
        std::vector<std::byte> b = bytes({0xdd, int(n >> 24), int((n >> 16) & 0xff), int((n >> 8) & 0xff), int(n & 0xff)});
        b.resize(b.size() + n, std::byte{0xc0});  // n nils
        return b;
    };
    EXPECT_EQ(parse(array32(1000)).items.size(), 1000u);
    const std::string e = error_of(array32(1000), MsgpackLimits{.max_values = 1000});
    EXPECT_NE(e.find("more than 1000 values"), std::string::npos) << e;
    EXPECT_EQ(parse(array32(999), MsgpackLimits{.max_values = 1000}).items.size(), 999u);
    const std::string big = error_of(array32((1u << 20) + 1));
    EXPECT_NE(big.find("more than 1048576 values"), std::string::npos) << big;
}

}  // namespace
}  // namespace vivid
