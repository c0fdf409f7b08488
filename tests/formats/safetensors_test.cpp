#include <gtest/gtest.h>

#include <cstring>

#include "test_support.h"
#include "vivid/vivid.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

using test::TempDir;

std::string header_file(const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + data;
}

std::string error_of(const std::string& path) {
    try {
        read_safetensors(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(Safetensors, ReadsTheReferenceFileAndRewritesItByteForByte) {
    // expected/outputs.safetensors was written by the reference implementation.
    const auto path = test::conformance_dir() / "vivit_tiny" / "expected" / "outputs.safetensors";
    std::map<std::string, std::string> metadata;
    TensorMap t = read_safetensors(path.string(), metadata);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t.at("logits").shape(), (Shape{1, 5}));
    EXPECT_EQ(t.at("pixel_values").shape(), (Shape{1, 8, 3, 32, 32}));
    EXPECT_EQ(metadata.at("format"), "pt");
    EXPECT_EQ(serialize_safetensors(t, metadata), test::read_bytes(path));
}

TEST(Safetensors, ModelFileRoundTripsByteForByte) {
    const auto path = test::conformance_dir() / "videomae_tiny_pretrain_raw" / "expected" / "model.safetensors";
    EXPECT_EQ(serialize_safetensors(read_safetensors(path.string())), test::read_bytes(path));
}

TEST(Safetensors, MixedDtypesRoundTrip) {
    TempDir dir;
    TensorMap t;
    t["b"] = Tensor::zeros(DType::U8, {3});
    t["b"].data_mut<uint8_t>()[1] = 7;
    t["a"] = Tensor::zeros(DType::I64, {2, 1});
    t["a"].data_mut<int64_t>()[1] = -5;
    t["c"] = Tensor::zeros(DType::BF16, {});
    write_safetensors((dir / "x.safetensors").string(), t);
    TensorMap r = read_safetensors((dir / "x.safetensors").string());
    EXPECT_EQ(r.at("b").data<uint8_t>()[1], 7);
    EXPECT_EQ(r.at("a").data<int64_t>()[1], -5);
    EXPECT_EQ(r.at("c").numel(), 1);
    EXPECT_EQ(r.at("c").dtype(), DType::BF16);
}

TEST(Safetensors, RejectsMalformedFiles) {
    TempDir dir;
    auto write = [&](const std::string& name, const std::string& bytes) {
        test::write_bytes(dir / name, bytes);
        return (dir / name).string();
    };
    EXPECT_NE(error_of(write("short", "abc")).find("shorter than"), std::string::npos);
    EXPECT_NE(error_of(write("len", std::string("\xff\xff\xff\xff\0\0\0\0", 8) + "{}")).find("header length"),
              std::string::npos);
    EXPECT_NE(error_of(write("json", header_file("{nope", ""))).find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of(write("dtype", header_file(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,4]}})",
                                                  "abcd"))).find("unsupported dtype"),
              std::string::npos);
    EXPECT_NE(error_of(write("outside", header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                                    "abcd"))).find("outside the file"),
              std::string::npos);
    EXPECT_NE(error_of(write("mismatch", header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})",
                                                     "abcd"))).find("do not match shape"),
              std::string::npos);
    EXPECT_NE(error_of(write("overlap", header_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                                    R"("b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
                                                    "abcd"))).find("overlap"),
              std::string::npos);
    EXPECT_NE(error_of(write("neg", header_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                                                "abcd"))).find("bad shape"),
              std::string::npos);
    const std::string missing = (dir / "missing.safetensors").string();
    EXPECT_NE(error_of(missing).find(missing), std::string::npos);
}

TEST(Safetensors, ShardedIndex) {
    TempDir dir;
    TensorMap a, b;
    a["x"] = Tensor::zeros(DType::F32, {2});
    a["x"].data_mut<float>()[1] = 1.5f;
    b["y"] = Tensor::zeros(DType::F32, {1});
    write_safetensors((dir / "s1.safetensors").string(), a);
    write_safetensors((dir / "s2.safetensors").string(), b);
    test::write_bytes(dir / "model.safetensors.index.json",
                      R"({"metadata":{},"weight_map":{"x":"s1.safetensors","y":"s2.safetensors"}})");
    TensorMap all = read_safetensors_index((dir / "model.safetensors.index.json").string());
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all.at("x").data<float>()[1], 1.5f);
    test::write_bytes(dir / "bad.index.json", R"({"weight_map":{"z":"s1.safetensors"}})");
    EXPECT_THROW(read_safetensors_index((dir / "bad.index.json").string()), Error);
}

}  // namespace
}  // namespace vivid
