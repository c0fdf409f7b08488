// One Model called from several threads at once: every call must answer as if it ran alone
// (the network's activation buffers and lazily made primitives are per model, not per call).
#include <cmath>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <vivid/vivid.h>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;

vivid::FloatArray random_pixels(const vivid::ModelInfo& info, int64_t batch, unsigned seed) {
    vivid::FloatArray a;
    a.shape = {batch, info.frames, info.channels, info.image_size, info.image_size};
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    int64_t n = 1;
    for (int64_t d : a.shape) n *= d;
    a.values.resize(static_cast<std::size_t>(n));
    for (float& v : a.values) v = dist(rng);
    return a;
}

float max_difference(const vivid::FloatArray& a, const vivid::FloatArray& b) {
    if (a.shape != b.shape) return INFINITY;
    float worst = 0;
    for (std::size_t i = 0; i < a.values.size(); ++i) worst = std::max(worst, std::abs(a.values[i] - b.values[i]));
    return worst;
}

// Inputs of different batch sizes (the buffers grow and shrink between calls), each answer
// computed alone first, then every thread runs the inputs in its own order many times.
void expect_threads_agree_with_one_at_a_time(const fs::path& folder, const vivid::Options& options) {
    vivid::Model model = vivid::Model::load(folder.string(), options);
    std::vector<vivid::FloatArray> inputs;
    for (unsigned i = 0; i < 4; ++i) inputs.push_back(random_pixels(model.info(), 1 + i % 3, 100 + i));
    std::vector<vivid::FloatArray> alone;
    for (const auto& in : inputs) alone.push_back(model.forward(in).logits);

    constexpr int kThreads = 4, kCalls = 12;
    std::vector<int> wrong(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int c = 0; c < kCalls; ++c) {
                const std::size_t i = static_cast<std::size_t>(t + c) % inputs.size();
                if (max_difference(model.forward(inputs[i]).logits, alone[i]) > 1e-5f) ++wrong[t];
            }
        });
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t << " of " << kThreads;
}

TEST(SharedModel, ThreadsOnOneVideoMAEAnswerAsIfAlone) {
    expect_threads_agree_with_one_at_a_time(vivid::test::conformance_dir() / "videomae_tiny_finetuned" / "expected",
                                            {.threads = 1});
}

TEST(SharedModel, ThreadsOnOneVivitAnswerAsIfAlone) {
    expect_threads_agree_with_one_at_a_time(vivid::test::conformance_dir() / "vivit_tiny" / "expected", {.threads = 2});
}

TEST(SharedModel, ClassifyEachBesideClassifyAndFeatures) {
    const fs::path dir = vivid::test::conformance_dir() / "videomae_tiny_finetuned";
    const std::string video = (dir / "video.npy").string();
    vivid::Model model = vivid::Model::load((dir / "expected").string(), {.threads = 1});
    vivid::FloatArray other = random_pixels(model.info(), 2, 7);
    const auto want_video = model.classify(video, 3);
    const auto want_other = model.classify(other, 3);
    const auto want_features = model.features(video, {.fps = 10});

    auto same = [](const std::vector<vivid::Prediction>& a, const std::vector<vivid::Prediction>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i].label != b[i].label || std::abs(a[i].score - b[i].score) > 1e-6) return false;
        return true;
    };
    int wrong_each = 0, wrong_classify = 0, wrong_features = 0;
    std::thread each([&] {
        const std::vector<std::string> videos(8, video);
        model.classify_each(videos, 3, [&](const vivid::VideoResult& r) { wrong_each += !same(r.labels, want_video); });
    });
    std::thread classify([&] {
        for (int i = 0; i < 10; ++i) wrong_classify += !same(model.classify(other, 3), want_other);
    });
    std::thread features([&] {
        for (int i = 0; i < 4; ++i)
            wrong_features += max_difference(model.features(video, {.fps = 10}).vectors, want_features.vectors) > 1e-5f;
    });
    each.join();
    classify.join();
    features.join();
    EXPECT_EQ(wrong_each, 0);
    EXPECT_EQ(wrong_classify, 0);
    EXPECT_EQ(wrong_features, 0);
}

}  // namespace
