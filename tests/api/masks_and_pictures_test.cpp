// Pre-training masks, reconstruction pictures and multi-crop views through the public API.
// The reconstruction is checked against HF's own outputs pasted back by a computation written
// out here from VideoMAE's visualisation script, not by the library's code.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <vivid/vivid.h>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using vivid::ByteArray;
using vivid::FloatArray;

fs::path expected(const std::string& name) { return vivid::test::conformance_dir() / name / "expected"; }
std::string outputs(const std::string& name) { return (expected(name) / "outputs.safetensors").string(); }

int64_t count(const ByteArray& mask, int64_t row) {
    const int64_t n = mask.shape[1];
    int64_t c = 0;
    for (int64_t i = 0; i < n; ++i) c += mask.values[row * n + i];
    return c;
}

TEST(Masks, RandomMasksHideExactlyRoundRatioTimesPatches) {
    const vivid::Model model = vivid::Model::load(expected("videomae_tiny_pretrain_normpix").string());
    const int64_t n = model.info().patches;  // 64
    // round() is Python's: half to even (2.5 -> 2, 3.5 -> 4).
    for (auto [ratio, want] : {std::pair{0.9, 58}, {0.3, 19}, {2.5 / 64, 2}, {3.5 / 64, 4}, {0.0, 0}}) {
        const ByteArray m = model.mask(5, ratio, 1, vivid::Masking::Random);
        ASSERT_EQ(m.shape, (std::vector<int64_t>{5, n}));
        for (int64_t b = 0; b < 5; ++b) EXPECT_EQ(count(m, b), want) << ratio;
    }
    const ByteArray a = model.mask(2, 0.75, 42, vivid::Masking::Random);
    EXPECT_EQ(a.values, model.mask(2, 0.75, 42, vivid::Masking::Random).values);  // reproducible
    EXPECT_NE(a.values, model.mask(2, 0.75, 43, vivid::Masking::Random).values);
    EXPECT_NE(std::vector<uint8_t>(a.values.begin(), a.values.begin() + n),
              std::vector<uint8_t>(a.values.begin() + n, a.values.end()));  // each clip its own
    // Uniform: over many clips every patch is hidden about ratio of the time.
    const int clips = 4000;
    const ByteArray many = model.mask(clips, 0.25, 7, vivid::Masking::Random);
    for (int64_t i = 0; i < n; ++i) {
        int hits = 0;
        for (int b = 0; b < clips; ++b) hits += many.values[b * n + i];
        EXPECT_NEAR(hits / static_cast<double>(clips), 0.25, 5 * std::sqrt(0.25 * 0.75 / clips)) << "patch " << i;
    }
    EXPECT_THROW(model.mask(1, 1.0, 0, vivid::Masking::Random), vivid::Error);
}

TEST(Masks, TubeMasksRepeatOneSpatialPattern) {
    const vivid::Model model = vivid::Model::load(expected("videomae_tiny_pretrain_normpix").string());
    const ByteArray m = model.mask(1, 0.75, 3);  // 4 slots x 16 patches
    for (int64_t t = 1; t < 4; ++t)
        for (int64_t s = 0; s < 16; ++s) EXPECT_EQ(m.values[t * 16 + s], m.values[s]);
    EXPECT_EQ(count(m, 0), 4 * 12);  // int(0.75 * 16) per slot
}

// pixel_values -> 0..255 for the conformance processors (rescale 1/255, mean = std = 0.5).
uint8_t to_pixel(double pv) { return static_cast<uint8_t>(std::clamp(std::nearbyint((pv * 0.5 + 0.5) * 255.0), 0.0, 255.0)); }

TEST(Reconstruct, PastesHuggingFacesOutputBackIntoTheClip) {
    const double im_mean[3] = {0.485, 0.456, 0.406}, im_std[3] = {0.229, 0.224, 0.225};
    for (const char* name : {"videomae_tiny_pretrain_normpix", "videomae_tiny_pretrain_raw"}) {
        SCOPED_TRACE(name);
        vivid::Model model = vivid::Model::load(expected(name).string());
        FloatArray pv = vivid::read_float_tensor(outputs(name), "pixel_values");
        FloatArray hf = vivid::read_float_tensor(outputs(name), "logits");  // (B, masked, ts*p*p*3)
        ByteArray mask = vivid::read_byte_tensor(outputs(name), "bool_masked_pos");
        const int64_t batch = pv.shape[0];
        // A picture is of one clip: the case's first (HF's rows for it come first).
        pv.shape[0] = hf.shape[0] = mask.shape[0] = 1;
        pv.values.resize(pv.values.size() / batch);
        hf.values.resize(hf.values.size() / batch);
        mask.values.resize(mask.values.size() / batch);
        const vivid::Reconstruction r = model.reconstruct(pv, mask);
        if (batch == 1) {
            EXPECT_NEAR(r.loss, vivid::read_float_tensor(outputs(name), "loss").values[0], 1e-4);
        }
        // The cases' config.json: tubelet_size 2, patch_size 8 (HF's output rows are 2*8*8*3 long).
        const int64_t T = pv.shape[1], H = pv.shape[3], W = pv.shape[4], ts = 2, p = 8, nw = W / p, nh = H / p;
        ASSERT_EQ(hf.shape[2], ts * p * p * 3);
        ASSERT_EQ(r.reconstructed.shape, (std::vector<int64_t>{T, H, W, 3}));
        const bool norm_pix = std::string(name).find("normpix") != std::string::npos;
        auto pixel = [&](const ByteArray& a, int64_t t, int64_t y, int64_t x, int64_t c) {
            return a.values[((t * H + y) * W + x) * 3 + c];
        };
        auto pv_at = [&](int64_t t, int64_t c, int64_t y, int64_t x) { return pv.values[((t * 3 + c) * H + y) * W + x]; };
        int64_t row = 0, off_by_one = 0;
        for (int64_t n = 0; n < static_cast<int64_t>(mask.values.size()); ++n) {
            const int64_t ti = n / (nh * nw), hi = (n / nw) % nh, wi = n % nw;
            for (int64_t c = 0; c < 3; ++c) {
                // This patch and channel in the loss's space, and its mean and unbiased std.
                std::vector<double> v;
                for (int64_t dt = 0; dt < ts; ++dt)
                    for (int64_t dy = 0; dy < p; ++dy)
                        for (int64_t dx = 0; dx < p; ++dx)
                            v.push_back(pv_at(ti * ts + dt, c, hi * p + dy, wi * p + dx) * im_std[c] + im_mean[c]);
                double mean = 0, var = 0;
                for (double x : v) mean += x / v.size();
                for (double x : v) var += (x - mean) * (x - mean) / (v.size() - 1);
                int64_t i = 0;
                for (int64_t dt = 0; dt < ts; ++dt)
                    for (int64_t dy = 0; dy < p; ++dy)
                        for (int64_t dx = 0; dx < p; ++dx, ++i) {
                            const int64_t t = ti * ts + dt, y = hi * p + dy, x = wi * p + dx;
                            const uint8_t original = to_pixel(pv_at(t, c, y, x));
                            EXPECT_EQ(pixel(r.original, t, y, x, c), original);
                            if (!mask.values[n]) {
                                ASSERT_EQ(pixel(r.reconstructed, t, y, x, c), original);
                                ASSERT_EQ(pixel(r.masked, t, y, x, c), original);
                                continue;
                            }
                            double out = hf.values[(row * ts * p * p + i) * 3 + c];
                            if (norm_pix) out = out * (std::sqrt(var) + 1e-6) + mean;
                            const int want = to_pixel((out - im_mean[c]) / im_std[c]);
                            const int got = pixel(r.reconstructed, t, y, x, c);
                            ASSERT_LE(std::abs(got - want), 1) << "patch " << n << " pixel " << i;
                            off_by_one += got != want;  // vivid's logits differ from HF's by < 1e-4
                            ASSERT_EQ(pixel(r.masked, t, y, x, c), 128);
                        }
            }
            row += mask.values[n];
        }
        EXPECT_LT(off_by_one, 20);

        vivid::test::TempDir tmp;
        const std::string png = (tmp / "r.png").string();
        vivid::write_reconstruction_png(png, r);
        const std::string bytes = vivid::test::read_bytes(png);
        ASSERT_GT(bytes.size(), 33u);
        EXPECT_EQ(bytes.substr(1, 3), "PNG");
        auto be32 = [&](std::size_t at) {
            return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
                   (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
        };
        EXPECT_EQ(be32(16), static_cast<uint32_t>(T * W));  // IHDR width: the frames side by side
        EXPECT_EQ(be32(20), static_cast<uint32_t>(3 * H));  // three rows
    }
    vivid::Model classifier = vivid::Model::load(expected("vivit_tiny").string());
    EXPECT_THROW(classifier.reconstruct(FloatArray{}, ByteArray{}), vivid::Error);
}

TEST(Crops, ThreeCropsSlideAlongTheLongSideAndTheMiddleOneIsTheCenterCrop) {
    // No resize, so each crop is a plain window of the frames: 40x56 frames, 32x32 crops.
    vivid::test::TempDir tmp;
    const std::string processor = (tmp / "p.json").string();
    vivid::test::write_bytes(processor, R"({"image_processor_type": "VideoMAEImageProcessor", "do_resize": false,
        "crop_size": {"height": 32, "width": 32}, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]})");
    const auto dir = vivid::test::conformance_dir() / "videomae_tiny_finetuned";
    const std::string video = (dir / "video.npy").string();
    vivid::Model one = vivid::Model::load((dir / "expected").string(), {.preprocessor_config = processor});
    vivid::Model three = vivid::Model::load((dir / "expected").string(), {.crops = 3, .preprocessor_config = processor});
    const FloatArray a = one.pixel_values(video), b = three.pixel_values(video);
    ASSERT_EQ(b.shape, (std::vector<int64_t>{3, 8, 3, 32, 32}));
    const std::size_t view = a.values.size();
    EXPECT_TRUE(std::equal(a.values.begin(), a.values.end(), b.values.begin() + view));  // middle = 1-crop
    const vivid::PreprocessedVideo frames = vivid::preprocess_video(video, 8, {.preprocessor_config = processor});
    const int64_t H = 40, W = 56;
    for (int crop = 0; crop < 3; ++crop) {
        const int64_t left = crop == 0 ? 0 : crop == 1 ? 12 : 24, top = 4;
        for (int64_t t = 0; t < 8; ++t)
            for (int64_t c = 0; c < 3; ++c)
                for (int64_t y = 0; y < 32; ++y)
                    for (int64_t x = 0; x < 32; ++x) {
                        const double byte = frames.frames.values[((t * H + y + top) * W + x + left) * 3 + c];
                        const float want = static_cast<float>((byte / 255.0 - 0.5) / 0.5);
                        ASSERT_NEAR(b.values[crop * view + ((t * 3 + c) * 32 + y) * 32 + x], want, 1e-6)
                            << "crop " << crop;
                    }
    }
    // Scores average over the views: the 3-crop answer is the softmax of the mean logits.
    const auto logits = three.forward(b).logits;
    const auto top = three.top_labels(logits, 1);
    EXPECT_EQ(three.classify(video, 1)[0].label, top[0].label);
    EXPECT_NEAR(three.classify(video, 1)[0].score, top[0].score, 1e-12);
}

}  // namespace
