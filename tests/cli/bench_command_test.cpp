// `vivid bench`: the JSON contract, the work count against a hand count from the config, the
// forward it times against the HF golden outputs, and bf16 refused in one line without hardware.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "kernels/cpu_features.h"
#include "test_support.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

using test::run_cli;

std::filesystem::path expected_dir(const char* name) { return test::conformance_dir() / name / "expected"; }

nlohmann::json bench_json(const std::vector<std::string>& args) {
    std::vector<std::string> all{"bench", "--json"};
    all.insert(all.end(), args.begin(), args.end());
    const auto r = run_cli(all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
}

// One pre-norm block on n tokens of width d with MLP width i: q, k, v, output projections
// (4 d^2 per token), the MLP (2 d i per token), q k^T and p v (2 n^2 d each); x2 FLOP per MAC.
double block_flops(double n, double d, double i) { return 2 * n * (4 * d * d + 2 * d * i) + 4 * n * n * d; }

TEST(BenchCommand, ReportsRepsAndTheWorkOfTheForward) {
    const auto j = bench_json({"--model", expected_dir("vivit_tiny").string(), "--reps", "3", "--warmup", "0",
                               "--batch", "2", "--threads", "1"});
    ASSERT_EQ(j["seconds"].size(), 3u);
    const auto seconds = j["seconds"].get<std::vector<double>>();
    EXPECT_DOUBLE_EQ(j["seconds_min"].get<double>(), *std::min_element(seconds.begin(), seconds.end()));
    EXPECT_GT(j["seconds_median"].get<double>(), 0.0);
    EXPECT_EQ(j["batch"], 2);
    EXPECT_EQ(j["threads"], 1);
    EXPECT_EQ(j["precision"], "fp32");
    // vivit_tiny: 8 frames of 32x32, tubelet 2x8x8 -> 4*4*4 = 64 patches + CLS; hidden 32,
    // MLP 64, 2 layers, 5 labels; embedding 64 patches x 384 inputs x 32 outputs.
    const double per_clip = 2 * block_flops(65, 32, 64) + 2.0 * 64 * 384 * 32 + 2.0 * 32 * 5;
    EXPECT_NEAR(j["gflop"].get<double>(), 2 * per_clip / 1e9, 1e-12);
}

TEST(BenchCommand, ListsTheImplementationOfEveryLayerKindAndNoReferenceLoop) {
    for (const char* precision : {"fp32", "int8"}) {
        const auto j = bench_json({"--model", expected_dir("videomae_tiny_pretrain_normpix").string(), "--reps", "1",
                                   "--warmup", "0", "--precision", precision});
        const auto& impls = j["implementations"];
        for (const char* kind : {"patch_embeddings", "encoder.mlp.intermediate", "encoder.mlp.output",
                                 "encoder.attention.output", "encoder_to_decoder", "decoder.mlp.output", "decoder.head",
                                 "attention", "layer_norm"})
            ASSERT_TRUE(impls.contains(kind)) << precision << ": " << kind << " missing from " << impls.dump();
        EXPECT_TRUE(impls.contains("encoder.attention.qkv") || impls.contains("encoder.attention.query"));
        for (const auto& [kind, list] : impls.items())
            for (const auto& impl : list) EXPECT_NE(impl.get<std::string>().rfind("ref", 0), 0u) << kind << ": " << impl;
    }
}

TEST(BenchCommand, PreTrainingCountsTheEncoderOnVisiblePatchesOnly) {
    const auto j = bench_json({"--model", expected_dir("videomae_tiny_pretrain_normpix").string(), "--reps", "1",
                               "--warmup", "0", "--mask-ratio", "0.75"});
    // 64 patches (4 slots of 4x4), tube mask 0.75: 12 of 16 spatial patches in each slot.
    EXPECT_EQ(j["num_masked"], 48);
    const double encoder = 2 * block_flops(16, 32, 64), decoder = block_flops(64, 16, 32);
    const double embed = 2.0 * 64 * 384 * 32, to_decoder = 2.0 * 16 * 32 * 16, head = 2.0 * 48 * 16 * 384;
    EXPECT_NEAR(j["gflop"].get<double>(), (encoder + decoder + embed + to_decoder + head) / 1e9, 1e-12);
}

TEST(BenchCommand, TimesTheForwardThatGivesHFsOutputs) {
    for (const char* name : {"vivit_tiny_batch2", "videomae_tiny_pretrain_normpix", "videomae_tiny_finetuned"}) {
        test::TempDir tmp;
        const auto golden = expected_dir(name) / "outputs.safetensors";
        bench_json({"--model", expected_dir(name).string(), "--reps", "1", "--warmup", "1", "--input", golden.string(),
                    "--save-outputs", (tmp / "o.safetensors").string()});
        const TensorMap got = read_safetensors((tmp / "o.safetensors").string());
        const TensorMap want = read_safetensors(golden.string());
        for (const char* key : {"logits", "loss"}) {
            if (!want.count(key)) continue;
            const Tensor& a = got.at(key);
            const Tensor& b = want.at(key);
            ASSERT_EQ(a.numel(), b.numel()) << name << " " << key;
            for (int64_t i = 0; i < a.numel(); ++i)
                ASSERT_NEAR(a.data<float>()[i], b.data<float>()[i], 1e-4) << name << " " << key << " " << i;
        }
    }
}

TEST(BenchCommand, Bf16WithoutHardwareIsOneLineAndExitTwo) {
    if (kernels::cpu_features().has_bf16()) GTEST_SKIP() << "this CPU has bf16 hardware";
    const auto r = run_cli({"bench", "--model", expected_dir("vivit_tiny").string(), "--precision", "bf16", "--json"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("bf16"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace vivid
