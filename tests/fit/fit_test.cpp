// vivid::fit end to end on the tiny test models (VideoMAE with and without mean pooling, ViViT,
// the factorised encoder with two heads): the head against the tests' Newton solution on the
// vectors Model::features gives for window 0, every other tensor byte for byte, classify with
// the new folder against softmax(W f + b), the report's scores, and each bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "fit/newton_softmax.h"
#include "formats/npy.h"
#include "formats/safetensors.h"
#include "test_support.h"
#include "vivid/vivid.h"

namespace vivid::test {
namespace {
namespace fs = std::filesystem;

const std::vector<std::string> kClasses = {"alpha", "beta", "gamma"};

// A clip of `frames` noisy frames whose brightness and colour depend on the class.
void write_clip(const fs::path& path, int64_t frames, int klass, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> noise(0, 60);
    Tensor t = Tensor::zeros(DType::U8, {frames, 24, 28, 3});
    uint8_t* p = t.data_mut<uint8_t>();
    for (int64_t i = 0; i < t.numel(); ++i)
        p[i] = static_cast<uint8_t>(std::min(255, 30 + 60 * klass * static_cast<int>(i % 3 == klass) + 40 * klass + noise(rng)));
    fs::create_directories(path.parent_path());
    write_npy(path.string(), t);
}

// root/<class>/<i>.npy, `per_class` clips each; returns the paths in (class, i) order.
std::vector<std::string> write_set(const fs::path& root, int per_class, int64_t frames, unsigned seed) {
    std::vector<std::string> paths;
    for (int c = 0; c < static_cast<int>(kClasses.size()); ++c)
        for (int i = 0; i < per_class; ++i) {
            const fs::path p = root / kClasses[c] / (std::to_string(i) + ".npy");
            write_clip(p, frames, c, seed + static_cast<unsigned>(100 * c + i));
            paths.push_back(p.string());
        }
    return paths;
}

std::vector<double> window0(Model& model, const std::string& video) {
    WindowOptions w;
    w.fps = 25;
    const WindowFeatures f = model.features(video, w);
    return {f.vectors.values.begin(), f.vectors.values.begin() + f.vectors.shape[1]};
}

std::vector<double> as_doubles(const Tensor& t) {
    const Tensor f = t.to_float32();
    return {f.data<float>(), f.data<float>() + f.numel()};
}

std::string folder_of(const std::string& name) {
    if (name == "vivit_fe_two_heads") return (data_dir() / "vivit_fe" / "fe_two_heads" / "expected").string();
    return (conformance_dir() / name / "expected").string();
}

class FitModels : public ::testing::TestWithParam<std::string> {};

TEST_P(FitModels, HeadIsNewtonsOnWindowZeroAndTheFolderWorks) {
    const std::string dir = folder_of(GetParam());
    TempDir tmp;
    Model model = Model::load(dir, {.threads = 1});
    const int64_t frames = model.info().frames;
    const std::vector<std::string> videos = write_set(tmp / "train", 4, frames + 3, 1);
    FitOptions o;
    o.train.folders = {(tmp / "train").string()};
    o.l2 = 0.01;
    const FitReport report = fit(dir, o, (tmp / "new").string(), {.threads = 1});
    EXPECT_EQ(report.classes, kClasses);
    EXPECT_EQ(report.train_counts, (std::vector<int64_t>{4, 4, 4}));

    // The tests' own solution, on the vectors `vivid features` gives for window 0.
    const int64_t D = model.info().hidden_size, K = 3;
    std::vector<double> x;
    std::vector<int64_t> y;
    for (std::size_t i = 0; i < videos.size(); ++i) {
        const std::vector<double> f = window0(model, videos[i]);
        x.insert(x.end(), f.begin(), f.end());
        y.push_back(static_cast<int64_t>(i / 4));
    }
    const NewtonHead newton = newton_softmax(x, y, K, D, 0.01);
    const TensorMap before = read_safetensors((fs::path(dir) / "model.safetensors").string());
    const TensorMap after = read_safetensors((tmp / "new" / "model.safetensors").string());
    const std::vector<double> W = as_doubles(after.at("classifier.weight")), b = as_doubles(after.at("classifier.bias"));
    EXPECT_EQ(after.at("classifier.weight").shape(), (Shape{K, D}));
    EXPECT_LT(relative_difference(parameters(W, b), parameters(newton.weight, newton.bias)), 1e-4);

    // Every other tensor byte for byte.
    ASSERT_EQ(before.size(), after.size());
    for (const auto& [name, t] : before) {
        if (name.rfind("classifier.", 0) == 0) continue;
        ASSERT_TRUE(after.count(name)) << name;
        const Tensor& u = after.at(name);
        EXPECT_EQ(u.dtype(), t.dtype()) << name;
        EXPECT_EQ(u.shape(), t.shape()) << name;
        EXPECT_TRUE(std::equal(t.raw(), t.raw() + t.nbytes(), u.raw())) << name;
    }
    const auto config = nlohmann::json::parse(read_bytes(tmp / "new" / "config.json"));
    EXPECT_EQ(config["id2label"], (nlohmann::json{{"0", "alpha"}, {"1", "beta"}, {"2", "gamma"}}));
    EXPECT_EQ(config["label2id"]["gamma"], 2);
    EXPECT_FALSE(config.contains("heads"));
    EXPECT_EQ(read_bytes(tmp / "new" / "preprocessor_config.json"), read_bytes(fs::path(dir) / "preprocessor_config.json"));

    // The new folder classifies with softmax(W f + b), and the report's scores are its own.
    Model fitted = Model::load((tmp / "new").string(), {.threads = 1});
    int64_t correct = 0;
    std::vector<std::vector<int64_t>> confusion(3, std::vector<int64_t>(3, 0));
    for (std::size_t i = 0; i < videos.size(); ++i) {
        const NewtonHead file_head{W, b};
        const std::vector<double> p = softmax_of(head_logits(file_head, x.data() + i * D, K, D));
        const std::vector<Prediction> got = fitted.classify(videos[i], 3);
        ASSERT_EQ(got.size(), 3u);
        for (const Prediction& g : got) {
            const auto k = std::find(kClasses.begin(), kClasses.end(), g.label) - kClasses.begin();
            EXPECT_NEAR(g.score, p[k], 1e-5) << videos[i] << " " << g.label;
        }
        const int64_t predicted = std::max_element(p.begin(), p.end()) - p.begin();
        ++confusion[y[i]][predicted];
        correct += predicted == y[i];
    }
    EXPECT_DOUBLE_EQ(report.train.accuracy, static_cast<double>(correct) / 12.0);
    EXPECT_EQ(report.train.confusion, confusion);
    const auto json = nlohmann::json::parse(read_bytes(tmp / "new" / "fit_report.json"));
    EXPECT_EQ(json["train"]["confusion"], nlohmann::json(confusion));
    EXPECT_EQ(json["l2"], 0.01);
    EXPECT_LT(json["solver"]["gradient_max_norm"].get<double>(), 1e-6);
    EXPECT_EQ(json["classes"][2]["label"], "gamma");
}

INSTANTIATE_TEST_SUITE_P(TinyModels, FitModels,
                         ::testing::Values("videomae_tiny_finetuned", "videomae_tiny_nomeanpool", "vivit_tiny",
                                           "vivit_fe_two_heads"));

TEST(Fit, SeveralClipsAveragedPerVideo) {
    // With --clips 2 a video's vector is the mean of its two clips' vectors: each clip's frames
    // (preprocess_video) through Model::features as frames in memory, window 0.
    const std::string dir = folder_of("videomae_tiny_finetuned");
    TempDir tmp;
    const std::vector<std::string> videos = write_set(tmp / "train", 3, 20, 4);
    Options options{.threads = 1, .clips = 2};
    FitOptions o;
    o.train.folders = {(tmp / "train").string()};
    o.l2 = 0.05;
    fit(dir, o, (tmp / "new").string(), options);
    Model model = Model::load(dir, {.threads = 1});
    options.preprocessor_config = (fs::path(dir) / "preprocessor_config.json").string();
    const int64_t D = model.info().hidden_size, T = model.info().frames;
    std::vector<double> x;
    std::vector<int64_t> y;
    for (std::size_t i = 0; i < videos.size(); ++i) {
        const PreprocessedVideo p = preprocess_video(videos[i], T, options);
        ASSERT_EQ(p.frames.shape[0], 2);
        std::vector<double> mean(static_cast<std::size_t>(D), 0.0);
        const int64_t clip_values = p.frames.values.size() / 2;
        for (int64_t k = 0; k < 2; ++k) {
            ByteView frames{p.frames.values.data() + k * clip_values,
                            {p.frames.shape[1], p.frames.shape[2], p.frames.shape[3], p.frames.shape[4]}};
            WindowOptions w;
            w.fps = 25;
            const WindowFeatures f = model.features(frames, w);
            for (int64_t j = 0; j < D; ++j) mean[j] += f.vectors.values[j] / 2.0;
        }
        x.insert(x.end(), mean.begin(), mean.end());
        y.push_back(static_cast<int64_t>(i / 3));
    }
    const NewtonHead newton = newton_softmax(x, y, 3, D, 0.05);
    const TensorMap after = read_safetensors((tmp / "new" / "model.safetensors").string());
    EXPECT_LT(relative_difference(parameters(as_doubles(after.at("classifier.weight")), as_doubles(after.at("classifier.bias"))),
                                  parameters(newton.weight, newton.bias)),
              1e-4);
}

TEST(Fit, ValidationScoresAndCrossValidatedPenalty) {
    const std::string dir = folder_of("videomae_tiny_finetuned");
    TempDir tmp;
    write_set(tmp / "train", 4, 10, 1);
    const std::vector<std::string> val = write_set(tmp / "val", 2, 10, 77);
    FitOptions o;
    o.train.folders = {(tmp / "train").string()};
    o.val.folders = {(tmp / "val").string()};
    o.l2_grid = {1e-3, 1e-1, 10.0};
    const FitReport r = fit(dir, o, (tmp / "new").string(), {.threads = 1});
    ASSERT_TRUE(r.l2_cross_validated);
    EXPECT_EQ(r.folds, 4);
    // The grid, then (while its largest scores best) the decades above it.
    ASSERT_GE(r.cv_log_loss.size(), 3u);
    EXPECT_EQ(std::vector<double>(r.cv_l2.begin(), r.cv_l2.begin() + 3), o.l2_grid);
    EXPECT_EQ(r.cv_l2.size() > 3, r.cv_log_loss[2] < r.cv_log_loss[0] && r.cv_log_loss[2] < r.cv_log_loss[1]);
    EXPECT_EQ(r.l2, r.cv_l2[std::min_element(r.cv_log_loss.begin(), r.cv_log_loss.end()) - r.cv_log_loss.begin()]);
    ASSERT_TRUE(r.val);
    EXPECT_EQ(r.val_counts, (std::vector<int64_t>{2, 2, 2}));
    // Validation accuracy: what the new folder answers for the validation videos.
    Model fitted = Model::load((tmp / "new").string(), {.threads = 1});
    int64_t correct = 0;
    for (std::size_t i = 0; i < val.size(); ++i) correct += fitted.classify(val[i], 1)[0].label == kClasses[i / 2];
    EXPECT_DOUBLE_EQ(r.val->accuracy, static_cast<double>(correct) / 6.0);
    const auto json = nlohmann::json::parse(r.json);
    EXPECT_EQ(json["l2_chosen_by"]["grid"].size(), r.cv_l2.size());
    EXPECT_EQ(json["val"]["videos"], 6);
    EXPECT_EQ(json, nlohmann::json::parse(read_bytes(tmp / "new" / "fit_report.json")));
}

TEST(Fit, UnreadableVideoIsSkippedAndNamed) {
    const std::string dir = folder_of("videomae_tiny_finetuned");
    TempDir tmp;
    write_set(tmp / "train", 3, 10, 1);
    write_bytes(tmp / "train" / "beta" / "broken.mp4", "not a video");
    FitOptions o;
    o.train.folders = {(tmp / "train").string()};
    o.l2 = 0.1;
    std::vector<std::string> errors;
    o.on_video = [&](int64_t, int64_t, const std::string& e) { errors.push_back(e); };
    const FitReport r = fit(dir, o, (tmp / "new").string(), {.threads = 1});
    EXPECT_EQ(errors.size(), 10u);
    ASSERT_EQ(r.skipped.size(), 1u);
    EXPECT_EQ(r.skipped[0].path, (tmp / "train" / "beta" / "broken.mp4").string());
    EXPECT_EQ(r.train_counts, (std::vector<int64_t>{3, 3, 3}));
    EXPECT_EQ(nlohmann::json::parse(r.json)["skipped"][0]["path"], r.skipped[0].path);
}

TEST(Fit, BadInputsLeaveNoFolder) {
    TempDir tmp;
    const std::string dir = folder_of("videomae_tiny_finetuned");
    const std::string out = (tmp / "new").string();
    FitOptions o;
    o.l2 = 0.1;
    // Every video of a class unreadable.
    write_set(tmp / "train", 2, 10, 1);
    fs::remove_all(tmp / "train" / "gamma");
    fs::create_directories(tmp / "train" / "gamma");
    write_bytes(tmp / "train" / "gamma" / "broken.mp4", "not a video");
    o.train.folders = {(tmp / "train").string()};
    EXPECT_NE(error_message_of([&] { fit(dir, o, out); }).find("class 'gamma': has no training video left"), std::string::npos);
    EXPECT_FALSE(fs::exists(out));
    // A validation label the training videos do not have.
    fs::remove_all(tmp / "train" / "gamma");
    write_set(tmp / "val", 1, 10, 5);
    o.val.folders = {(tmp / "val").string()};
    EXPECT_NE(error_message_of([&] { fit(dir, o, out); }).find("has the label 'gamma', which no training video has"),
              std::string::npos);
    EXPECT_FALSE(fs::exists(out));
    // A pre-training folder has no classifier to replace.
    o.val.folders.clear();
    const std::string pretraining = folder_of("videomae_tiny_pretrain_raw");
    EXPECT_EQ(error_message_of([&] { fit(pretraining, o, out); }),
              pretraining + ": is a pre-training model (VideoMAEForPreTraining): it has no classifier to replace; fit a "
                            "fine-tuned model's folder");
    EXPECT_FALSE(fs::exists(out));
    // An existing non-empty output is not replaced unless asked.
    fs::create_directories(out);
    write_bytes(fs::path(out) / "keep", "x");
    EXPECT_NE(error_message_of([&] { fit(dir, o, out); }).find("exists and is not empty"), std::string::npos);
    EXPECT_EQ(read_bytes(fs::path(out) / "keep"), "x");
}

}  // namespace
}  // namespace vivid::test
