// Model::fit and vivid::fit: labelled videos -> one vector each (the model's, or a features
// folder's) -> the head (fit/softmax_head.h, L from fit/cross_validation.h when not given) ->
// the new folder (fit/fitted_folder.h) with its report.
#include <chrono>
#include <filesystem>
#include <optional>

#include "api/model_impl.h"
#include "api/prepared_videos.h"
#include "core/thread_scope.h"
#include "fit/cross_validation.h"
#include "fit/feature_folder.h"
#include "fit/fit_report.h"
#include "fit/fitted_folder.h"
#include "fit/training_set.h"
#include "models/model_folder.h"

namespace vivid {
namespace fs = std::filesystem;
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Per video its vector, or nullopt with the reason in `errors`.
using Vectors = std::vector<std::optional<std::vector<double>>>;

// What the fit needs of the model: its decoding and its per-clip vectors.
struct ModelFeatures {
    DecodeVideo decode;
    std::function<Tensor(const Tensor& pixel_values)> clip_vectors;
    int threads = 1;
    const ModelInfo& info;
    const Options& options;
};

// The model's vector per video: its views' vectors (clips x crops) averaged.
Vectors model_vectors(const ModelFeatures& impl, const std::vector<std::string>& videos, const FitOptions& o,
                      std::vector<std::string>& errors) {
    Vectors out;
    const int64_t total = static_cast<int64_t>(videos.size());
    for_each_prepared(impl.decode, impl.threads, videos, o.prefetch, o.batch, [&](std::vector<PreparedVideo>& group) {
        std::vector<const Tensor*> inputs;
        for (const PreparedVideo& p : group)
            if (p.error.empty()) inputs.push_back(&p.pixel_values);
        Tensor vectors;
        if (!inputs.empty()) vectors = impl.clip_vectors(inputs.size() == 1 ? *inputs[0] : concatenate(inputs));
        int64_t row = 0;
        for (const PreparedVideo& p : group) {
            if (!p.error.empty()) {
                out.emplace_back();
                errors.push_back(p.error);
            } else {
                const int64_t views = p.pixel_values.size(0), hidden = vectors.size(1);
                std::vector<double> mean(static_cast<std::size_t>(hidden), 0.0);
                for (int64_t v = 0; v < views; ++v, ++row)
                    for (int64_t j = 0; j < hidden; ++j) mean[j] += vectors.data<float>()[row * hidden + j];
                if (views > 1)
                    for (double& m : mean) m /= static_cast<double>(views);
                out.emplace_back(std::move(mean));
                errors.emplace_back();
            }
            if (o.on_video) o.on_video(static_cast<int64_t>(out.size()), total, errors.back());
        }
    });
    return out;
}

// Window 0's vector per video from a `vivid features` folder made with this model and settings.
Vectors folder_vectors(const ModelFeatures& impl, const std::vector<std::string>& videos, const FitOptions& o,
                       std::vector<std::string>& errors) {
    if (impl.options.clips != 1 || impl.options.crops != 1 || impl.options.sampling != Sampling::Pipeline)
        throw Error(o.features, "holds one clip per window (pipeline sampling, one crop); fit with several clips, "
                                "crops or uniform sampling from the videos instead");
    const FeatureFolder folder = read_feature_folder(
        o.features, {impl.info.folder, precision_name(impl.options.precision), impl.options.frame_sampling_rate});
    Vectors out;
    for (const std::string& video : videos) {
        const auto failed = folder.errors.find(fs::absolute(video).lexically_normal().string());
        if (failed != folder.errors.end()) {
            out.emplace_back();
            errors.push_back(failed->second);
        } else {
            const std::vector<float> v = first_window_vector(folder, video, impl.info.hidden_size);
            out.emplace_back(std::vector<double>(v.begin(), v.end()));
            errors.emplace_back();
        }
        if (o.on_video) o.on_video(static_cast<int64_t>(out.size()), static_cast<int64_t>(videos.size()), errors.back());
    }
    return out;
}

// The usable videos of one set as LabelledVectors; the others into `skipped`.
LabelledVectors gather(const std::vector<int64_t>& ids, const Vectors& vectors, std::size_t first,
                       const std::vector<LabelledVideo>& videos, const std::vector<std::string>& errors,
                       int64_t classes, std::vector<SkippedVideo>& skipped) {
    LabelledVectors data{0, classes, {}, {}};
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto& v = vectors[first + i];
        if (!v) {
            skipped.push_back({videos[i].path, errors[first + i]});
            continue;
        }
        data.dimension = static_cast<int64_t>(v->size());
        data.vectors.insert(data.vectors.end(), v->begin(), v->end());
        data.labels.push_back(ids[i]);
    }
    return data;
}

std::vector<int64_t> counts_of(const LabelledVectors& data) {
    std::vector<int64_t> counts(static_cast<std::size_t>(data.classes), 0);
    for (int64_t label : data.labels) ++counts[static_cast<std::size_t>(label)];
    return counts;
}

nlohmann::ordered_json fit_settings(const ModelFeatures& impl, const FitOptions& o) {
    return {{"model", fs::absolute(impl.info.folder).lexically_normal().string()},
            {"architecture", impl.info.architecture},
            {"features", o.features.empty() ? "computed from the videos"
                                            : "read from " + fs::absolute(o.features).lexically_normal().string()},
            {"precision", precision_name(impl.options.precision)},
            {"sampling", impl.options.sampling == Sampling::Uniform ? "uniform" : "pipeline"},
            {"frame_sampling_rate", impl.options.frame_sampling_rate},
            {"clips", impl.options.clips},
            {"crops", impl.options.crops}};
}

void refuse_nonempty_output(const std::string& out, bool replace) {
    std::error_code ec;
    if (!replace && fs::is_directory(out, ec) && !fs::is_empty(out, ec))
        throw Error(out, "exists and is not empty (replacing it was not asked for)");
}

}  // namespace

FitReport Model::fit(const FitOptions& o, const std::string& out) {
    const ModelFeatures impl{
        [this](const std::string& path, int decoder_threads) { return impl_->video_to_pixel_values(path, decoder_threads); },
        [this](const Tensor& pixel_values) { return impl_->clip_vectors(pixel_values); }, impl_->threads, impl_->info,
        impl_->options};
    if (impl.info.pretraining)
        throw Error(impl.info.folder, "is a pre-training model (" + impl.info.architecture +
                                          "): it has no classifier to replace; fit a fine-tuned model's folder");
    refuse_nonempty_output(out, o.replace);
    // Every label problem is found before a video is decoded.
    const std::vector<LabelledVideo> train = read_labelled_videos(o.train, "training");
    const std::vector<LabelledVideo> val = read_labelled_videos(o.val, "validation");
    FitReport report;
    report.classes = class_names(train);
    const int64_t K = static_cast<int64_t>(report.classes.size());
    const std::vector<int64_t> train_ids = class_ids(train, report.classes);
    const std::vector<int64_t> val_ids = class_ids(val, report.classes);

    const auto features_start = std::chrono::steady_clock::now();
    std::vector<std::string> paths, errors;
    for (const auto* set : {&train, &val})
        for (const LabelledVideo& v : *set) paths.push_back(v.path);
    ThreadScope scope(impl.threads);
    const Vectors vectors = o.features.empty() ? model_vectors(impl, paths, o, errors) : folder_vectors(impl, paths, o, errors);
    report.features_seconds = seconds_since(features_start);

    const LabelledVectors train_data = gather(train_ids, vectors, 0, train, errors, K, report.skipped);
    const LabelledVectors val_data = gather(val_ids, vectors, train.size(), val, errors, K, report.skipped);
    report.train_counts = counts_of(train_data);
    for (int64_t k = 0; k < K; ++k)
        if (report.train_counts[k] == 0)
            throw Error("class '" + report.classes[k] + "'",
                        "has no training video left: none of them could be read (" +
                            (report.skipped.empty() ? std::string() : report.skipped.front().error) + ")");

    const auto solve_start = std::chrono::steady_clock::now();
    if (o.l2) {
        report.l2 = *o.l2;
    } else {
        const CrossValidation cv = cross_validate(train_data, o.l2_grid, o.folds, o.l2_extra_decades);
        report.l2 = cv.best_l2;
        report.l2_cross_validated = true;
        report.folds = cv.folds;
        for (const GridScore& s : cv.scores) {
            report.cv_l2.push_back(s.l2);
            report.cv_log_loss.push_back(s.log_loss);
            report.cv_accuracy.push_back(s.accuracy);
        }
    }
    const SoftmaxHead head = fit_softmax_head(train_data, report.l2);
    report.solve_seconds = seconds_since(solve_start);
    report.iterations = head.iterations;
    report.objective = head.objective;
    report.gradient_max_norm = head.gradient_max_norm;
    report.train = score_head(head, train_data);
    if (!val.empty()) {
        report.val = score_head(head, val_data);
        report.val_counts = counts_of(val_data);
    }
    report.json = fit_report_json(report, fit_settings(impl, o));

    FittedFolder fitted;
    fitted.source_folder = impl.info.folder;
    fitted.preprocessor_config = impl.options.preprocessor_config.empty()
                                     ? locate_model_folder(impl.info.folder).preprocessor_path.value_or("")
                                     : impl.options.preprocessor_config;
    fitted.classes = report.classes;
    fitted.head = &head;
    fitted.report_json = report.json;
    write_fitted_folder(fitted, out, o.replace);
    report.folder = out;
    return report;
}

FitReport fit(const std::string& model_folder, const FitOptions& fit_options, const std::string& out,
              const Options& options) {
    return Model::load(model_folder, options).fit(fit_options, out);
}

}  // namespace vivid
