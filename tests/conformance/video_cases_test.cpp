// Every case folder of kind "video" (tests/conformance/cases/ and tests/data/video/cases/)
// through `vivid preprocess` with the case's run args: frames and indices identical,
// pixel_values within the case's tolerance (1e-6), as the PyAV + HF processor golden data.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_support.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> video_case_folders() {
    std::vector<fs::path> out;
    for (const fs::path& root : {test::conformance_dir(), test::data_dir() / "video" / "cases"}) {
        if (!fs::exists(root)) continue;
        for (const auto& entry : fs::directory_iterator(root)) {
            const fs::path case_json = entry.path() / "case.json";
            if (!fs::exists(case_json)) continue;
            if (nlohmann::json::parse(std::ifstream(case_json)).value("kind", "") == "video") out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

double max_abs_difference(const Tensor& got, const Tensor& want) {
    const Tensor a = got.to_float32(), b = want.to_float32();
    double worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        worst = std::max(worst, std::fabs(static_cast<double>(a.data<float>()[i]) - b.data<float>()[i]));
    return worst;
}

// Integer tensors compare exactly (float32 cannot hold every int64).
bool identical(const Tensor& got, const Tensor& want) {
    return got.dtype() == want.dtype() && got.shape() == want.shape() &&
           std::equal(got.raw(), got.raw() + got.nbytes(), want.raw());
}

void check_case(const fs::path& folder) {
    const auto spec = nlohmann::json::parse(std::ifstream(folder / "case.json"));
    for (const auto& run : spec.at("run")) {
        test::TempDir tmp;
        std::vector<std::string> args{"preprocess"};
        for (const auto& a : run.at("args")) {
            const std::string s = a.get<std::string>();
            args.push_back(fs::exists(folder / s) ? (folder / s).string() : s);
        }
        args.push_back("--save-outputs");
        args.push_back((tmp / "out.safetensors").string());
        const auto r = test::run_cli(args);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const TensorMap got = read_safetensors((tmp / "out.safetensors").string());
        const TensorMap want = read_safetensors((folder / run.at("expect").get<std::string>()).string());
        for (const auto& name_json : run.at("compare")) {
            const std::string name = name_json.get<std::string>();
            SCOPED_TRACE(name);
            ASSERT_TRUE(got.count(name)) << "missing output " << name;
            const Tensor& g = got.at(name);
            const Tensor& w = want.at(name);
            ASSERT_EQ(g.dtype(), w.dtype());
            ASSERT_EQ(g.shape(), w.shape());
            const double tolerance = spec.at("tolerances").value(name, 0.0);
            if (tolerance == 0.0) EXPECT_TRUE(identical(g, w)) << "max difference " << max_abs_difference(g, w);
            else EXPECT_LE(max_abs_difference(g, w), tolerance);
        }
    }
}

TEST(VideoCases, EveryVideoCasePassesThroughVividPreprocess) {
    const auto folders = video_case_folders();
    ASSERT_GE(folders.size(), 20u);  // the shared case + the generated ones
    for (const auto& folder : folders) {
        SCOPED_TRACE(folder.filename().string());
        check_case(folder);
    }
}

TEST(VideoCases, PreprocessErrorsAreOneLineNamingTheFile) {
    const fs::path c = test::data_dir() / "video";
    test::TempDir tmp;
    const std::string config = (c / "cases/vp9_webm/preprocessor_config.json").string();
    for (const std::string bad : {"broken/not_a_video.mp4", "broken/empty.mp4"}) {
        const auto r = test::run_cli({"preprocess", "--preprocessor-config", config, "--video", (c / bad).string(),
                                      "--num-frames", "4", "--save-outputs", (tmp / "o.safetensors").string()});
        EXPECT_EQ(r.exit_code, 2);
        EXPECT_NE(r.err.find((c / bad).string()), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_FALSE(fs::exists(tmp / "o.safetensors"));
    }
}

TEST(VideoCases, MultiClipOutputsHaveALeadingClipAxis) {
    const fs::path c = test::data_dir() / "video/cases/h264_yuv420p_bframes";
    test::TempDir tmp;
    const auto r = test::run_cli({"preprocess", "--preprocessor-config", (c / "preprocessor_config.json").string(),
                                  "--video", (c / "video.mp4").string(), "--num-frames", "4", "--frame-sampling-rate",
                                  "2", "--clips", "3", "--save-outputs", (tmp / "o.safetensors").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const TensorMap out = read_safetensors((tmp / "o.safetensors").string());
    EXPECT_EQ(out.at("frames").shape(), (Shape{3, 4, 48, 64, 3}));
    EXPECT_EQ(out.at("indices").shape(), (Shape{3, 4}));
    EXPECT_EQ(out.at("pixel_values").shape(), (Shape{3, 4, 3, 32, 32}));
    // 20 frames, windows of 8: starts 0, 6, 12 (see video_reader.h).
    const Tensor indices = out.at("indices").contiguous_copy();  // int64 in the file may be unaligned
    EXPECT_EQ(indices.data<int64_t>()[4], 6);
    EXPECT_EQ(indices.data<int64_t>()[8], 12);
}

}  // namespace
}  // namespace vivid
