// HF model folders in their other layouts load to the same model as model.safetensors.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "test_support.h"
#include "models/model.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

const std::filesystem::path kCase = test::conformance_dir() / "videomae_tiny_finetuned" / "expected";

void expect_hf_logits(VideoModel& model) {
    const TensorMap io = read_safetensors((kCase / "outputs.safetensors").string());
    const Tensor logits = model.forward(io.at("pixel_values"), nullptr).logits;
    const Tensor& want = io.at("logits");
    ASSERT_EQ(logits.shape(), want.shape());
    for (int64_t i = 0; i < want.numel(); ++i) EXPECT_NEAR(logits.data<float>()[i], want.data<float>()[i], 1e-4);
}

TEST(ModelFolder, PytorchModelBin) {
    // Made by tests/data/hf_bin_folder/make_pytorch_model_bin.py with torch.save.
    auto model = load_model((test::data_dir() / "hf_bin_folder").string());
    expect_hf_logits(*model);
}

TEST(ModelFolder, ShardedSafetensors) {
    test::TempDir dir;
    std::filesystem::copy_file(kCase / "config.json", dir / "config.json");
    const TensorMap all = read_safetensors((kCase / "model.safetensors").string());
    TensorMap first, second;
    std::string weight_map;
    for (const auto& [name, t] : all) {
        const bool in_first = name.find("layer.1.") == std::string::npos;
        (in_first ? first : second)[name] = t;
        weight_map += std::string(weight_map.empty() ? "" : ",") + "\"" + name + "\":\"model-0000" +
                      (in_first ? "1" : "2") + "-of-00002.safetensors\"";
    }
    write_safetensors((dir / "model-00001-of-00002.safetensors").string(), first);
    write_safetensors((dir / "model-00002-of-00002.safetensors").string(), second);
    test::write_bytes(dir / "model.safetensors.index.json", "{\"metadata\":{},\"weight_map\":{" + weight_map + "}}");
    auto model = load_model(dir.path().string());
    expect_hf_logits(*model);
}

TEST(ModelFolder, HalfPrecisionWeightsAreWidened) {
    // bf16 weights (as some hub uploads have) load and give logits close to fp32's.
    test::TempDir dir;
    std::filesystem::copy_file(kCase / "config.json", dir / "config.json");
    TensorMap w = read_safetensors((kCase / "model.safetensors").string());
    for (auto& [name, t] : w) {
        Tensor h = Tensor::zeros(DType::BF16, t.shape());
        for (int64_t i = 0; i < t.numel(); ++i) {
            uint32_t bits;
            std::memcpy(&bits, t.data<float>() + i, 4);
            h.data_mut<uint16_t>()[i] = static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
        }
        t = h;
    }
    write_safetensors((dir / "model.safetensors").string(), w);
    auto model = load_model(dir.path().string());
    const TensorMap io = read_safetensors((kCase / "outputs.safetensors").string());
    const Tensor logits = model->forward(io.at("pixel_values"), nullptr).logits;
    for (int64_t i = 0; i < logits.numel(); ++i)
        EXPECT_NEAR(logits.data<float>()[i], io.at("logits").data<float>()[i], 0.05);
}

}  // namespace
}  // namespace vivid
