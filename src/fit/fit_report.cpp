#include "fit/fit_report.h"

namespace vivid {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order a person reads them

Json scores_json(const FitScores& s, const std::vector<std::string>& classes) {
    Json per_class = Json::array();
    for (std::size_t k = 0; k < classes.size(); ++k)
        per_class.push_back({{"label", classes[k]}, {"precision", s.precision[k]}, {"recall", s.recall[k]}});
    return {{"videos", s.videos}, {"accuracy", s.accuracy}, {"confusion", s.confusion}, {"per_class", per_class}};
}

}  // namespace

FitScores score_head(const SoftmaxHead& head, const LabelledVectors& data) {
    const std::size_t K = static_cast<std::size_t>(head.classes);
    FitScores s;
    s.videos = data.size();
    s.confusion.assign(K, std::vector<int64_t>(K, 0));
    const std::vector<int64_t> predicted = predict_classes(head, data);
    int64_t correct = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i) {
        ++s.confusion[static_cast<std::size_t>(data.labels[i])][static_cast<std::size_t>(predicted[i])];
        correct += predicted[i] == data.labels[i];
    }
    s.accuracy = s.videos > 0 ? static_cast<double>(correct) / static_cast<double>(s.videos) : 0.0;
    for (std::size_t k = 0; k < K; ++k) {
        int64_t predicted_k = 0, true_k = 0;
        for (std::size_t j = 0; j < K; ++j) {
            predicted_k += s.confusion[j][k];
            true_k += s.confusion[k][j];
        }
        const double hits = static_cast<double>(s.confusion[k][k]);
        s.precision.push_back(predicted_k > 0 ? hits / static_cast<double>(predicted_k) : 0.0);
        s.recall.push_back(true_k > 0 ? hits / static_cast<double>(true_k) : 0.0);
    }
    return s;
}

std::string fit_report_json(const FitReport& r, const Json& settings) {
    Json j = settings;
    Json classes = Json::array();
    for (std::size_t k = 0; k < r.classes.size(); ++k) {
        Json c{{"id", k}, {"label", r.classes[k]}, {"train_videos", r.train_counts[k]}};
        if (r.val) c["val_videos"] = r.val_counts[k];
        classes.push_back(c);
    }
    j["classes"] = classes;
    j["objective"] = "mean cross-entropy + (l2/2) * ||W||^2, bias unpenalised and written with zero sum";
    j["l2"] = r.l2;
    if (r.l2_cross_validated) {
        Json grid = Json::array();
        for (std::size_t i = 0; i < r.cv_l2.size(); ++i)
            grid.push_back({{"l2", r.cv_l2[i]}, {"log_loss", r.cv_log_loss[i]}, {"accuracy", r.cv_accuracy[i]}});
        j["l2_chosen_by"] = {{"method", "stratified k-fold cross-validation, lowest held-out mean cross-entropy"},
                             {"folds", r.folds},
                             {"grid", grid}};
    } else {
        j["l2_chosen_by"] = "given";
    }
    j["solver"] = {{"name", "L-BFGS (liblbfgs)"},
                   {"iterations", r.iterations},
                   {"objective", r.objective},
                   {"gradient_max_norm", r.gradient_max_norm},
                   {"tolerance", kGradientTolerance}};
    j["train"] = scores_json(r.train, r.classes);
    if (r.val) j["val"] = scores_json(*r.val, r.classes);
    Json skipped = Json::array();
    for (const SkippedVideo& s : r.skipped) skipped.push_back({{"path", s.path}, {"error", s.error}});
    j["skipped"] = skipped;
    j["seconds"] = {{"features", r.features_seconds}, {"solve", r.solve_seconds}};
    return j.dump(2) + "\n";
}

}  // namespace vivid
