// The library as a user sees it: only <vivid/vivid.h>, linked against the shared libvivid
// (this binary cannot reach anything the library does not export). Numbers are checked
// against the Hugging Face outputs stored with the conformance cases.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include <gtest/gtest.h>
#include <vivid/vivid.h>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using vivid::ByteArray;
using vivid::FloatArray;

fs::path case_dir(const std::string& name) { return vivid::test::conformance_dir() / name; }
fs::path expected(const std::string& name) { return case_dir(name) / "expected"; }
std::string outputs(const std::string& name) { return (expected(name) / "outputs.safetensors").string(); }

void expect_close(const FloatArray& actual, const FloatArray& want, double atol) {
    ASSERT_EQ(actual.shape, want.shape);
    ASSERT_EQ(actual.values.size(), want.values.size());
    for (std::size_t i = 0; i < want.values.size(); ++i)
        ASSERT_NEAR(actual.values[i], want.values[i], atol) << "at " << i;
}

// The HF pipeline's answer from HF's logits, computed here in double: softmax of row 0.
std::vector<std::pair<int, double>> hf_top(const FloatArray& logits, int k) {
    const int n = static_cast<int>(logits.shape[1]);
    std::vector<double> p(logits.values.begin(), logits.values.begin() + n);
    const double mx = *std::max_element(p.begin(), p.end());
    double sum = 0;
    for (double& v : p) sum += (v = std::exp(v - mx));
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
    std::vector<std::pair<int, double>> top;
    for (int i = 0; i < k && i < n; ++i) top.push_back({order[i], p[order[i]] / sum});
    return top;
}

TEST(PublicApi, ForwardMatchesHuggingFaceLogits) {
    for (const char* name : {"videomae_tiny_finetuned", "vivit_tiny_batch2", "videomae_tiny_nomeanpool"}) {
        SCOPED_TRACE(name);
        vivid::Model model = vivid::Model::load(expected(name).string(), {.threads = 2});
        const vivid::Outputs out = model.forward(vivid::read_float_tensor(outputs(name), "pixel_values"));
        expect_close(out.logits, vivid::read_float_tensor(outputs(name), "logits"), 1e-4);
        EXPECT_FALSE(out.loss);
    }
}

TEST(PublicApi, ViewsOfTheCallersMemoryAreReadInPlace) {
    const char* name = "videomae_tiny_pretrain_normpix";
    vivid::Model model = vivid::Model::load(expected(name).string());
    const vivid::FloatArray pv = vivid::read_float_tensor(outputs(name), "pixel_values");
    const ByteArray mask = vivid::read_byte_tensor(outputs(name), "bool_masked_pos");
    const vivid::ByteView mask_view{mask.values.data(), mask.shape};
    const vivid::Outputs out = model.forward(vivid::FloatView{pv.values.data(), pv.shape}, &mask_view);
    expect_close(out.logits, vivid::read_float_tensor(outputs(name), "logits"), 1e-4);
    ASSERT_TRUE(out.loss);
    EXPECT_NEAR(*out.loss, vivid::read_float_tensor(outputs(name), "loss").values[0], 1e-4);
    EXPECT_THROW(model.forward(vivid::FloatView{nullptr, {1, 8, 3, 64, 64}}), vivid::Error);
}

TEST(PublicApi, PreTrainingLossAndReconstructionMatchHuggingFace) {
    for (const char* name : {"videomae_tiny_pretrain_normpix", "videomae_tiny_pretrain_raw"}) {
        SCOPED_TRACE(name);
        vivid::Model model = vivid::Model::load(expected(name).string());
        EXPECT_TRUE(model.info().pretraining);
        const ByteArray mask = vivid::read_byte_tensor(outputs(name), "bool_masked_pos");
        const vivid::Outputs out = model.forward(vivid::read_float_tensor(outputs(name), "pixel_values"), &mask);
        expect_close(out.logits, vivid::read_float_tensor(outputs(name), "logits"), 1e-4);
        ASSERT_TRUE(out.loss);
        EXPECT_NEAR(*out.loss, vivid::read_float_tensor(outputs(name), "loss").values[0], 1e-4);
        EXPECT_THROW(model.classify(vivid::read_float_tensor(outputs(name), "pixel_values")), vivid::Error);
    }
}

TEST(PublicApi, ClassifyGivesThePipelinesLabelsFromEveryKindOfInput) {
    const std::string name = "videomae_tiny_finetuned";
    vivid::Model model = vivid::Model::load(expected(name).string(), {.threads = 1});
    const auto want = hf_top(vivid::read_float_tensor(outputs(name), "logits"), 3);
    const std::string video = (case_dir(name) / "video.npy").string();
    // The case's frames, sampled as the pipeline does (T, H, W, 3).
    const vivid::PreprocessedVideo v = vivid::preprocess_video(
        video, model.info().frames, {.preprocessor_config = (expected(name) / "preprocessor_config.json").string()});
    ByteArray frames = v.frames;
    frames.shape.erase(frames.shape.begin());
    const std::vector<std::vector<vivid::Prediction>> answers = {
        model.classify(video, 3), model.classify(frames, 3),
        model.classify(vivid::read_float_tensor(outputs(name), "pixel_values"), 3)};
    for (const auto& got : answers) {
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            EXPECT_EQ(got[i].label, model.info().labels.at(want[i].first));
            EXPECT_NEAR(got[i].score, want[i].second, 1e-4);
        }
    }
    expect_close(model.pixel_values(video), vivid::read_float_tensor(outputs(name), "pixel_values"), 1e-6);
}

TEST(PublicApi, InfoDescribesTheFolder) {
    const vivid::Model model = vivid::Model::load(expected("vivit_tiny").string());
    const vivid::ModelInfo& info = model.info();
    EXPECT_EQ(info.architecture, "VivitForVideoClassification");
    EXPECT_EQ(info.model_type, "vivit");
    EXPECT_FALSE(info.pretraining);
    EXPECT_GT(info.parameters, 0);
    EXPECT_EQ(static_cast<int64_t>(info.labels.size()),
              vivid::read_float_tensor(outputs("vivit_tiny"), "logits").shape[1]);  // HF's logits' width
    ASSERT_TRUE(info.preprocessing);
    EXPECT_EQ(info.preprocessing->processor, "VivitImageProcessor");
    EXPECT_EQ(std::string(vivid::version()), "0.1.0");
}

TEST(PublicApi, ThreadsApplyToTheModelsCallsOnly) {
    const int before = omp_get_max_threads();
    vivid::Model model = vivid::Model::load(expected("vivit_tiny").string(), {.threads = before + 3});
    EXPECT_EQ(model.options().threads, before + 3);
    model.forward(vivid::read_float_tensor(outputs("vivit_tiny"), "pixel_values"));
    EXPECT_EQ(omp_get_max_threads(), before);  // the caller's setting is untouched
    EXPECT_EQ(vivid::Model::load(expected("vivit_tiny").string()).options().threads, before);
}

TEST(PublicApi, BadInputsAreErrorsNamingTheInput) {
    vivid::Model model = vivid::Model::load(expected("vivit_tiny").string());
    try {
        model.forward(FloatArray{{1, 2, 3}, std::vector<float>(6)});
        FAIL() << "no error";
    } catch (const vivid::Error& e) {
        EXPECT_EQ(e.source(), "pixel_values");
    }
    try {
        model.forward(FloatArray{{1, 2, 3}, std::vector<float>(5)});  // 5 values for 6 places
        FAIL() << "no error";
    } catch (const vivid::Error& e) {
        EXPECT_EQ(e.source(), "pixel_values");
        EXPECT_NE(std::string(e.what()).find("5 values"), std::string::npos) << e.what();
    }
    EXPECT_THROW(model.mask(1, 0.5, 0), vivid::Error);  // ViViT takes no mask
    try {
        vivid::Model::load("/nonexistent/model");
        FAIL() << "no error";
    } catch (const vivid::Error& e) {
        EXPECT_EQ(e.source(), "/nonexistent/model");
    }
}

TEST(PublicApi, ConvertWritesAFolderThatRunsLikeHuggingFaces) {
    const std::string name = "videomae_tiny_pretrain_normpix";
    vivid::test::TempDir tmp;
    const std::string out = (tmp / "model").string();
    const vivid::ConvertResult r = vivid::convert({.from = vivid::CheckpointFormat::VideoMAEPth,
                                                   .checkpoint = (case_dir(name) / "checkpoint.pth").string(),
                                                   .config = (case_dir(name) / "config.json").string(),
                                                   .preprocessor_config = (case_dir(name) / "preprocessor_config.json").string()},
                                                  out);
    EXPECT_EQ(r.architecture, "VideoMAEForPreTraining");
    vivid::Model model = vivid::Model::load(out);
    const ByteArray mask = vivid::read_byte_tensor(outputs(name), "bool_masked_pos");
    const auto checks = vivid::verify(model, vivid::read_float_tensor(outputs(name), "pixel_values"), &mask,
                                      {vivid::read_float_tensor(outputs(name), "logits").values[0]},
                                      vivid::read_float_tensor(outputs(name), "loss").values[0]);
    ASSERT_EQ(checks.size(), 2u);
    for (const vivid::Check& c : checks) EXPECT_TRUE(c.passed) << c.line;
    // A second conversion into the now non-empty folder is refused unless asked to replace it.
    EXPECT_THROW(vivid::convert({.checkpoint = (case_dir(name) / "checkpoint.pth").string(),
                                 .config = (case_dir(name) / "config.json").string()},
                                out),
                 vivid::Error);
}

TEST(PublicApi, PresetsAreListed) {
    const auto presets = vivid::convert_presets();
    const auto it = std::find_if(presets.begin(), presets.end(),
                                 [](const vivid::PresetInfo& p) { return p.name == "videomae-base-finetuned-kinetics"; });
    ASSERT_NE(it, presets.end());
    EXPECT_EQ(it->format, "videomae-pth");
    EXPECT_TRUE(it->has_reference_values);
    EXPECT_THROW(vivid::parse_checkpoint_format("onnx", "format"), vivid::Error);
}

TEST(PublicApi, TensorFilesRoundTrip) {
    vivid::test::TempDir tmp;
    const std::string path = (tmp / "t.safetensors").string();
    vivid::TensorFile file;
    file.floats = {{"x", FloatArray{{2}, {1.5f, -2}}}};
    file.bytes = {{"m", ByteArray{{3}, {0, 1, 1}}}};
    file.indices = {{"i", vivid::IndexArray{{1}, {7}}}};
    vivid::write_tensor_file(path, file);
    const vivid::TensorFile back = vivid::read_tensor_file(path);
    ASSERT_EQ(back.floats.size(), 1u);
    EXPECT_EQ(back.floats[0].second.values, file.floats[0].second.values);
    EXPECT_EQ(back.bytes[0].second.values, file.bytes[0].second.values);
    EXPECT_EQ(back.indices[0].second.values, file.indices[0].second.values);
    EXPECT_THROW(vivid::read_float_tensor(path, "m"), vivid::Error);  // bytes, not floats
    EXPECT_THROW(vivid::read_byte_tensor(path, "absent"), vivid::Error);
}

}  // namespace
