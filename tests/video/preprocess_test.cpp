// preprocess_clip against HF's real pixel_values (the conformance cases) and against the
// step-by-step numpy + Pillow re-implementation in tests/data/preprocess/ (more options).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "vivid/vivid.h"
#include "formats/npy.h"
#include "video/preprocess.h"
#include "formats/safetensors.h"

namespace fs = std::filesystem;

namespace {

struct Difference {
    double max_abs = 0;
    int64_t not_identical = 0;
};

Difference compare(const vivid::Tensor& got, const vivid::Tensor& want) {
    EXPECT_EQ(got.shape(), want.shape());
    Difference d;
    if (got.shape() != want.shape()) {
        d.max_abs = INFINITY;
        return d;
    }
    const vivid::Tensor w = want.to_float32();
    const float* a = got.data<float>();
    const float* b = w.data<float>();
    for (int64_t i = 0; i < got.numel(); ++i) {
        d.max_abs = std::max(d.max_abs, std::fabs(double(a[i]) - double(b[i])));
        if (a[i] != b[i]) ++d.not_identical;
    }
    return d;
}

// pixel_values (1,T,C,H,W) of a video run -> (T,C,H,W).
vivid::Tensor first_clip(const vivid::Tensor& pixel_values) {
    const vivid::Shape& s = pixel_values.shape();
    EXPECT_EQ(s.size(), 5u);
    return pixel_values.contiguous_copy().reshape({s[0] * s[1], s[2], s[3], s[4]});
}

TEST(Preprocess, ConformanceCasesMatchHuggingFacePixelValues) {
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(vivid::test::conformance_dir())) {
        const fs::path dir = entry.path();
        if (!fs::exists(dir / "video.npy")) continue;
        const auto spec = nlohmann::json::parse(vivid::test::read_bytes(dir / "case.json"));
        std::string expect;
        for (const auto& run : spec["run"])
            for (const auto& arg : run["args"])
                if (arg == "--video") expect = run["expect"];
        ASSERT_FALSE(expect.empty()) << dir;
        const auto config = vivid::load_preprocessor_config((dir / "preprocessor_config.json").string());
        const vivid::Tensor frames = vivid::read_npy((dir / "video.npy").string());
        const vivid::TensorMap want = vivid::read_safetensors((dir / expect).string());
        const vivid::Tensor wanted = first_clip(want.at("pixel_values"));
        ASSERT_EQ(wanted.size(0), frames.size(0)) << dir;
        const Difference d = compare(vivid::preprocess_clip(config, frames), wanted);
        EXPECT_LE(d.max_abs, 1e-6) << dir;
        EXPECT_EQ(d.not_identical, 0) << dir << ": values not bit-identical";
        ++checked;
    }
    EXPECT_GE(checked, 6);
}

// The decoded frames of the video case go through the same preprocessing.
TEST(Preprocess, VideoCaseFramesGiveHuggingFacePixelValues) {
    const fs::path dir = vivid::test::conformance_dir() / "video_example_h264";
    const auto config = vivid::load_preprocessor_config((dir / "preprocessor_config.json").string());
    const vivid::TensorMap want = vivid::read_safetensors((dir / "expected/outputs.safetensors").string());
    const Difference d = compare(vivid::preprocess_clip(config, want.at("frames")),
                                 first_clip(want.at("pixel_values")));
    EXPECT_EQ(d.not_identical, 0);
    EXPECT_LE(d.max_abs, 1e-6);
}

TEST(Preprocess, GoldenCasesMatchTheNumpyPillowReimplementation) {
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(vivid::test::data_dir() / "preprocess")) {
        const fs::path dir = entry.path();
        if (!fs::is_directory(dir)) continue;
        const auto config = vivid::load_preprocessor_config((dir / "preprocessor_config.json").string());
        const vivid::Tensor frames = vivid::read_npy((dir / "video.npy").string());
        const vivid::Tensor want = vivid::read_npy((dir / "pixel_values.npy").string());
        const Difference d = compare(vivid::preprocess_clip(config, frames), want);
        EXPECT_LE(d.max_abs, 1e-6) << dir.filename();
        EXPECT_EQ(d.not_identical, 0) << dir.filename() << ": values not bit-identical";
        ++checked;
    }
    EXPECT_GE(checked, 15);
}

TEST(Preprocess, ShortestEdgeSizesFollowHuggingFace) {
    vivid::PreprocessorConfig c;
    c.size = {32, 0, 0};
    EXPECT_EQ(vivid::resized_frame_size(c, 40, 56), (std::array<int, 2>{32, 44}));
    EXPECT_EQ(vivid::resized_frame_size(c, 52, 36), (std::array<int, 2>{46, 32}));
    EXPECT_EQ(vivid::resized_frame_size(c, 45, 33), (std::array<int, 2>{43, 32}));
    EXPECT_EQ(vivid::resized_frame_size(c, 32, 32), (std::array<int, 2>{32, 32}));
    c.size = {24, 0, 0};
    EXPECT_EQ(vivid::resized_frame_size(c, 30, 61), (std::array<int, 2>{24, 48}));
    c.size = {224, 0, 0};
    EXPECT_EQ(vivid::resized_frame_size(c, 720, 1280), (std::array<int, 2>{224, 398}));
    EXPECT_EQ(vivid::resized_frame_size(c, 1080, 1920), (std::array<int, 2>{224, 398}));
    c.size = {0, 20, 30};
    EXPECT_EQ(vivid::resized_frame_size(c, 720, 1280), (std::array<int, 2>{20, 30}));
    c.do_resize = false;
    EXPECT_EQ(vivid::resized_frame_size(c, 7, 9), (std::array<int, 2>{7, 9}));
}

TEST(Preprocess, DefaultsAreTheProcessorsOwn) {
    const auto mae = vivid::parse_preprocessor_config(
        R"({"image_processor_type": "VideoMAEImageProcessor"})", "mae.json");
    EXPECT_EQ(mae.size.shortest_edge, 224);
    EXPECT_EQ(mae.crop_height, 224);
    EXPECT_EQ(mae.crop_width, 224);
    EXPECT_EQ(mae.resample, vivid::Resample::Bilinear);
    EXPECT_TRUE(mae.do_resize && mae.do_center_crop && mae.do_rescale && mae.do_normalize);
    EXPECT_DOUBLE_EQ(mae.rescale_factor, 1.0 / 255);
    EXPECT_FALSE(mae.do_zero_centering || mae.offset);
    EXPECT_EQ(mae.image_mean, (std::array<double, 3>{0.5, 0.5, 0.5}));

    const auto vivit = vivid::parse_preprocessor_config(
        R"({"image_processor_type": "VivitImageProcessor"})", "vivit.json");
    EXPECT_EQ(vivit.size.shortest_edge, 256);
    EXPECT_TRUE(vivit.do_zero_centering);
    EXPECT_FALSE(vivit.do_normalize);
    EXPECT_FALSE(vivit.offset);
    EXPECT_DOUBLE_EQ(vivit.rescale_factor, 1.0 / 255);

    const auto modern = vivid::parse_preprocessor_config(
        R"({"image_processor_type": "VivitImageProcessor", "offset": true, "do_zero_centering": true})",
        "vivit2024.json");
    EXPECT_TRUE(modern.offset);
    EXPECT_FALSE(modern.do_zero_centering);
    EXPECT_TRUE(modern.do_normalize);
    EXPECT_DOUBLE_EQ(modern.rescale_factor, 1.0 / 127.5);

    const auto legacy = vivid::parse_preprocessor_config(
        R"({"feature_extractor_type": "VideoMAEFeatureExtractor", "size": 160, "image_mean": null})",
        "legacy.json");
    EXPECT_EQ(legacy.size.shortest_edge, 160);
    EXPECT_EQ(legacy.image_mean, (std::array<double, 3>{0.5, 0.5, 0.5}));
}

void expect_config_error(const std::string& json, const std::string& needle) {
    try {
        vivid::parse_preprocessor_config(json, "some/preprocessor_config.json");
        ADD_FAILURE() << "accepted: " << json;
    } catch (const vivid::Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("some/preprocessor_config.json: "), std::string::npos) << message;
        EXPECT_NE(message.find(needle), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

TEST(Preprocess, BadConfigsAreClearErrorsNamingTheFile) {
    expect_config_error(R"({"image_processor_type": "CLIPImageProcessor"})", "CLIPImageProcessor");
    expect_config_error(R"({"size": {"shortest_edge": 8}})", "image_processor_type");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "resample": 7})",
                        "resample");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "resample": "bilinear"})",
                        "resample");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "do_convert_rgb": true})",
                        "do_convert_rgb");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "do_zero_centering": true})",
                        "do_zero_centering");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "size": {"longest_edge": 8}})",
                        "size");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "size": {"height": 8}})",
                        "size");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "size": {"shortest_edge": 0}})",
                        "size");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "crop_size": {"width": 8}})",
                        "crop_size");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "do_resize": 1})",
                        "do_resize");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "image_mean": [0.5, 0.5]})",
                        "image_mean");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "image_std": [0.5, 0, 0.5]})",
                        "image_std");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", "rescale_factor": "1/255"})",
                        "rescale_factor");
    expect_config_error(R"({"image_processor_type": "VivitImageProcessor", "offset": true, "do_rescale": false})",
                        "offset");
    expect_config_error(R"({"image_processor_type": "VideoMAEImageProcessor", )", "JSON");
    expect_config_error(R"([1, 2])", "object");
}

TEST(Preprocess, MissingFileNamesIt) {
    try {
        vivid::load_preprocessor_config("/nonexistent/preprocessor_config.json");
        ADD_FAILURE();
    } catch (const vivid::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/preprocessor_config.json"),
                  std::string::npos);
    }
}

TEST(Preprocess, RejectsFramesThatAreNotUint8Rgb) {
    const vivid::PreprocessorConfig c;
    EXPECT_THROW(vivid::preprocess_clip(c, vivid::Tensor::zeros(vivid::DType::F32, {1, 4, 4, 3})),
                 vivid::Error);
    EXPECT_THROW(vivid::preprocess_clip(c, vivid::Tensor::zeros(vivid::DType::U8, {1, 4, 4, 4})),
                 vivid::Error);
    EXPECT_THROW(vivid::preprocess_clip(c, vivid::Tensor::zeros(vivid::DType::U8, {4, 4, 3})),
                 vivid::Error);
    EXPECT_THROW(vivid::preprocess_clip(c, vivid::Tensor::zeros(vivid::DType::U8, {1, 0, 4, 3})),
                 vivid::Error);
}

}  // namespace
