// Bad weights and inputs are errors that name the file, the weight and both shapes.
#include <gtest/gtest.h>

#include "test_support.h"
#include "vivid/vivid.h"
#include "models/model.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

std::filesystem::path case_dir(const char* name) { return test::conformance_dir() / name / "expected"; }

std::string build_error(const ModelConfig& c, const TensorMap& w) {
    try {
        build_model(c, w, "weights.safetensors");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(ModelErrors, MissingWeightIsNamed) {
    const auto dir = case_dir("vivit_tiny");
    TensorMap w = read_safetensors((dir / "model.safetensors").string());
    w.erase("vivit.encoder.layer.1.output.dense.bias");
    EXPECT_EQ(build_error(load_model_config((dir / "config.json").string()), w),
              "weights.safetensors: missing weight 'vivit.encoder.layer.1.output.dense.bias'");
}

TEST(ModelErrors, WrongShapeNamesBothShapes) {
    const auto dir = case_dir("videomae_tiny_finetuned");
    TensorMap w = read_safetensors((dir / "model.safetensors").string());
    w["classifier.weight"] = Tensor::zeros(DType::F32, {7, 32});
    EXPECT_EQ(build_error(load_model_config((dir / "config.json").string()), w),
              "weights.safetensors: weight 'classifier.weight' has shape [7, 32] but the config needs [5, 32]");
}

TEST(ModelErrors, PixelValuesOfTheWrongShape) {
    auto model = load_model(case_dir("vivit_tiny").string());
    try {
        model->forward(Tensor::zeros(DType::F32, {1, 6, 3, 32, 32}), nullptr);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.source(), "pixel_values");
        EXPECT_NE(std::string(e.what()).find("[1, 6, 3, 32, 32]"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("[B, 8, 3, 32, 32]"), std::string::npos);
    }
}

TEST(ModelErrors, MaskRowsMustMaskTheSameCount) {
    auto model = load_model(case_dir("videomae_tiny_pretrain_raw").string());
    Tensor mask = Tensor::zeros(DType::U8, {2, 64});
    mask.data_mut<uint8_t>()[0] = 1;
    mask.data_mut<uint8_t>()[64] = 1;
    mask.data_mut<uint8_t>()[65] = 1;
    EXPECT_THROW(model->forward(Tensor::zeros(DType::F32, {2, 8, 3, 32, 32}), &mask), Error);
    EXPECT_THROW(model->forward(Tensor::zeros(DType::F32, {2, 8, 3, 32, 32}), nullptr), Error);
    Tensor wrong = Tensor::zeros(DType::U8, {2, 63});
    EXPECT_THROW(model->forward(Tensor::zeros(DType::F32, {2, 8, 3, 32, 32}), &wrong), Error);
}

TEST(ModelErrors, FolderWithoutWeights) {
    test::TempDir dir;
    test::write_bytes(dir / "config.json", R"({"model_type":"vivit"})");
    try {
        load_model(dir.path().string());
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no model.safetensors"), std::string::npos);
    }
}

TEST(ModelKernels, ReferenceAndOptimizedAgreeOnEveryCase) {
    for (const char* name : {"vivit_tiny_batch2", "videomae_tiny_finetuned", "videomae_tiny_pretrain_normpix"}) {
        const auto dir = case_dir(name);
        TensorMap io = read_safetensors((dir / "outputs.safetensors").string());
        const Tensor* mask = io.count("bool_masked_pos") ? &io.at("bool_masked_pos") : nullptr;
        auto fast = load_model(dir.string(), KernelChoice::Optimized)->forward(io.at("pixel_values"), mask);
        auto ref = load_model(dir.string(), KernelChoice::Reference)->forward(io.at("pixel_values"), mask);
        ASSERT_EQ(fast.logits.shape(), ref.logits.shape());
        for (int64_t i = 0; i < ref.logits.numel(); ++i)
            EXPECT_NEAR(fast.logits.data<float>()[i], ref.logits.data<float>()[i], 1e-5) << name << " " << i;
    }
}

}  // namespace
}  // namespace vivid
