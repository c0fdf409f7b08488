// vivid convert, end to end, on a Scenic factorised-encoder checkpoint: from the checkpoint
// alone (the architecture is in its shapes), and with its config, verified on a clip, which
// prints each head's top labels since no reference values exist.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>

#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

const fs::path kFixture = test::data_dir() / "vivit_fe" / "fe_two_heads";

void expect_same_tensors(const fs::path& got_file, const fs::path& want_file) {
    const TensorMap got = read_safetensors(got_file.string()), want = read_safetensors(want_file.string());
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [name, w] : want) {
        ASSERT_TRUE(got.count(name)) << name;
        const Tensor g = got.at(name).contiguous_copy(), e = w.contiguous_copy();
        ASSERT_EQ(g.shape(), e.shape()) << name;
        EXPECT_EQ(std::memcmp(g.raw(), e.raw(), e.nbytes()), 0) << name;
    }
}

// A uint8 (frames, size, size, 3) .npy clip.
void write_clip(const fs::path& path, int frames, int size) {
    std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + std::to_string(frames) + ", " +
                         std::to_string(size) + ", " + std::to_string(size) + ", 3), }";
    header.append(64 - (10 + header.size() + 1) % 64, ' ').push_back('\n');
    std::string bytes = "\x93NUMPY\x01";
    bytes.push_back('\0');
    bytes.push_back(static_cast<char>(header.size() & 0xff));
    bytes.push_back(static_cast<char>(header.size() >> 8));
    bytes += header;
    for (int i = 0; i < frames * size * size * 3; ++i) bytes.push_back(static_cast<char>((i * 37) % 251));
    test::write_bytes(path, bytes);
}

TEST(ConvertFactorisedCommand, FromTheCheckpointAlone) {
    test::TempDir tmp;
    const auto r = run_cli({"convert", "--from", "vivit-flax", "--checkpoint", (kFixture / "checkpoint").string(),
                            "--out", (tmp / "out").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("VivitFactorisedEncoderForVideoClassification"), std::string::npos) << r.out;
    expect_same_tensors(tmp / "out" / "model.safetensors", kFixture / "expected" / "model.safetensors");
    const auto config = nlohmann::json::parse(test::read_bytes(tmp / "out" / "config.json"));
    EXPECT_EQ(config["num_temporal_layers"], 3);
    EXPECT_EQ(config["temporal_num_attention_heads"], 4);
    EXPECT_EQ(config["id2label"]["6"], "LABEL_6");
    EXPECT_TRUE(fs::exists(tmp / "out" / "preprocessor_config.json"));
}

TEST(ConvertFactorisedCommand, WithItsConfigVerifiedOnAClipPrintsEachHead) {
    test::TempDir tmp;
    write_clip(tmp / "clip.npy", 6, 8);
    test::write_bytes(tmp / "preprocessor_config.json",
                      R"({"image_processor_type": "VivitImageProcessor", "size": {"shortest_edge": 8},
                          "crop_size": {"height": 8, "width": 8}, "do_zero_centering": true})");
    const auto r = run_cli({"convert", "--from", "vivit-flax", "--checkpoint", (kFixture / "checkpoint").string(),
                            "--config", (kFixture / "config.json").string(), "--preprocessor-config",
                            (tmp / "preprocessor_config.json").string(), "--out", (tmp / "out").string(),
                            "--verify-video", (tmp / "clip.npy").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_same_tensors(tmp / "out" / "model.safetensors", kFixture / "expected" / "model.safetensors");
    EXPECT_NE(r.out.find("\nnoun: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nverb: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no reference values"), std::string::npos) << r.out;
}

TEST(ConvertFactorisedCommand, ALyingConfigIsOneLine) {
    test::TempDir tmp;
    auto config = nlohmann::json::parse(test::read_bytes(kFixture / "config.json"));
    config["num_temporal_layers"] = 4;
    test::write_bytes(tmp / "config.json", config.dump());
    const auto r = run_cli({"convert", "--from", "vivit-flax", "--checkpoint", (kFixture / "checkpoint").string(),
                            "--config", (tmp / "config.json").string(), "--out", (tmp / "out").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "vivid: error: " + (tmp / "config.json").string() +
                         ": num_temporal_layers is 4 but the checkpoint has 3 temporal layers\n");
    EXPECT_FALSE(fs::exists(tmp / "out"));
}

TEST(ConvertFactorisedCommand, ModelOneStillNeedsAnArchitecture) {
    test::TempDir tmp;
    const auto r = run_cli({"convert", "--from", "vivit-flax", "--checkpoint",
                            (test::conformance_dir() / "vivit_tiny" / "checkpoint").string(), "--out",
                            (tmp / "out").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("name a preset or an HF config.json"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(tmp / "out"));
}

}  // namespace
}  // namespace vivid
