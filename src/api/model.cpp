// vivid::Model: a loaded model folder with its preprocessing and labels; every call runs
// under the model's own thread count.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <omp.h>

#include "api/arrays.h"
#include "api/model_impl.h"
#include "api/model_info.h"
#include "core/thread_scope.h"
#include "models/masking.h"
#include "models/model.h"
#include "models/model_folder.h"
#include "video/clip_batch.h"
#include "video/preprocess.h"
#include "vivid/vivid.h"

namespace vivid {

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::string& folder_path, const Options& options) {
    if (options.threads < 0) throw Error(folder_path, "thread count " + std::to_string(options.threads) + " is negative");
    if (options.clips < 1) throw Error(folder_path, "clip count " + std::to_string(options.clips) + " is below 1");
    if (options.crops != 1 && options.crops != 3)
        throw Error(folder_path, "crop count " + std::to_string(options.crops) + " is not 1 or 3");
    if (options.frame_sampling_rate < 0)
        throw Error(folder_path, "frame sampling rate " + std::to_string(options.frame_sampling_rate) + " is negative");
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->threads = options.threads > 0 ? options.threads : omp_get_max_threads();
    impl->options.threads = impl->threads;
    ThreadScope scope(impl->threads);

    const ModelFolder folder = locate_model_folder(folder_path);
    const ModelConfig config = load_model_config(folder.config_path);
    const TensorMap weights = read_folder_weights(folder);
    if (impl->options.frame_sampling_rate == 0)
        impl->options.frame_sampling_rate = static_cast<int>(std::max<int64_t>(1, common_config(config).frame_sampling_rate));
    impl->model = build_model(config, weights, folder.weights_path,
                              options.reference_kernels ? KernelChoice::Reference : KernelChoice::Optimized,
                              nullptr, options.precision);
    const std::string processor_path =
        !options.preprocessor_config.empty() ? options.preprocessor_config : folder.preprocessor_path.value_or("");
    if (!processor_path.empty()) {
        try {
            impl->processor = load_preprocessor_config(processor_path);
        } catch (const Error& e) {
            // A folder whose processor file vivid cannot read still runs on pixel_values.
            if (!options.preprocessor_config.empty()) throw;
            impl->processor_error = e;
        }
    }
    impl->info = describe_model(folder, *impl->model, weights, impl->processor);
    return Model(std::move(impl));
}

const ModelInfo& Model::info() const { return impl_->info; }
const Options& Model::options() const { return impl_->options; }

std::vector<Prediction> Model::classify(const std::string& video, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return top_labels(impl_->logits(impl_->video_to_pixel_values(video)), top_k);
}

std::vector<Prediction> Model::classify(const ByteArray& frames, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return top_labels(impl_->logits(impl_->frames_to_pixel_values(view_of(frames, "frames"))), top_k);
}

std::vector<Prediction> Model::classify(const FloatArray& pixel_values, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return top_labels(impl_->logits(view_of(pixel_values, "pixel_values")), top_k);
}

std::vector<Prediction> Model::classify(const ByteView& frames, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return top_labels(impl_->logits(impl_->frames_to_pixel_values(view_of(frames, "frames"))), top_k);
}

std::vector<Prediction> Model::classify(const FloatView& pixel_values, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return top_labels(impl_->logits(view_of(pixel_values, "pixel_values")), top_k);
}

FloatArray Model::pixel_values(const std::string& video) {
    ThreadScope scope(impl_->threads);
    return float_array(impl_->video_to_pixel_values(video));
}

FloatArray Model::pixel_values(const ByteArray& frames) {
    ThreadScope scope(impl_->threads);
    return float_array(impl_->frames_to_pixel_values(view_of(frames, "frames")));
}

namespace {

Outputs public_outputs(const ModelOutputs& out) {
    Outputs result{float_array(out.logits), std::nullopt};
    if (out.loss.defined()) result.loss = out.loss.to_float32().data<float>()[0];
    return result;
}

}  // namespace

Outputs Model::forward(const FloatView& pixel_values, const ByteView* bool_masked_pos) {
    ThreadScope scope(impl_->threads);
    const Tensor mask = bool_masked_pos ? view_of(*bool_masked_pos, "bool_masked_pos") : Tensor();
    return public_outputs(impl_->forward(view_of(pixel_values, "pixel_values"), mask.defined() ? &mask : nullptr));
}

Outputs Model::forward(const FloatArray& pixel_values, const ByteArray* bool_masked_pos) {
    ThreadScope scope(impl_->threads);
    const Tensor mask = bool_masked_pos ? view_of(*bool_masked_pos, "bool_masked_pos") : Tensor();
    return public_outputs(impl_->forward(view_of(pixel_values, "pixel_values"), mask.defined() ? &mask : nullptr));
}

namespace {

// Softmax of the clip-averaged logits (rows, n) over columns [begin, end), in double; one clip
// is the pipeline's logits[0].softmax(-1).
std::vector<double> mean_softmax(const FloatArray& logits, int64_t begin, int64_t end) {
    const int64_t rows = logits.shape[0], n = logits.shape[1];
    std::vector<double> p(static_cast<std::size_t>(end - begin), 0.0);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = begin; i < end; ++i) p[i - begin] += logits.values[r * n + i] / static_cast<double>(rows);
    const double mx = *std::max_element(p.begin(), p.end());
    double sum = 0;
    for (double& v : p) sum += (v = std::exp(v - mx));
    for (double& v : p) v /= sum;
    return p;
}

// The k highest, ties in label order (a stable sort, as the pipeline's topk gives them).
std::vector<Prediction> top_of(const std::vector<double>& p, const std::string* names, int top_k) {
    std::vector<int64_t> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
    std::vector<Prediction> out;
    for (std::size_t i = 0; i < std::min(order.size(), static_cast<std::size_t>(top_k)); ++i)
        out.push_back({names[order[i]], p[order[i]]});
    return out;
}

// The top-k of the product of independent distributions: each factor of a top-k product is in
// its own distribution's top-k, so combining the heads' top-k lists pairwise is exact.
std::vector<Prediction> joint_of(const std::vector<HeadPredictions>& heads, int top_k) {
    std::vector<Prediction> joint = heads.front().labels;
    for (std::size_t h = 1; h < heads.size(); ++h) {
        std::vector<double> scores;
        std::vector<std::string> names;
        for (const Prediction& a : joint)
            for (const Prediction& b : heads[h].labels) {
                scores.push_back(a.score * b.score);
                names.push_back(a.label + " + " + b.label);
            }
        joint = top_of(scores, names.data(), top_k);
    }
    return joint;
}

}  // namespace

std::vector<HeadPredictions> Model::head_labels(const FloatArray& logits, int top_k) const {
    impl_->require_classifier();
    const auto& labels = impl_->info.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    if (logits.shape.size() != 2 || logits.shape[1] != n || logits.shape[0] < 1 ||
        static_cast<int64_t>(logits.values.size()) != logits.shape[0] * n)
        throw Error("logits", "shape " + shape_to_string(logits.shape) + " is not (batch, " + std::to_string(n) + ")");
    if (top_k < 1) throw Error("top_k", std::to_string(top_k) + " is below 1");
    const auto& split = impl_->info.label_heads;
    if (split.empty()) return {{"labels", top_of(mean_softmax(logits, 0, n), labels.data(), top_k)}};
    std::vector<HeadPredictions> out;
    int64_t begin = 0;
    for (const LabelHead& h : split) {
        out.push_back({h.name, top_of(mean_softmax(logits, begin, begin + h.size), labels.data() + begin, top_k)});
        begin += h.size;
    }
    out.push_back({"joint", joint_of(out, top_k)});
    return out;
}

std::vector<Prediction> Model::top_labels(const FloatArray& logits, int top_k) const {
    return head_labels(logits, top_k).back().labels;
}

std::vector<HeadPredictions> Model::classify_heads(const std::string& video, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return head_labels(impl_->logits(impl_->video_to_pixel_values(video)), top_k);
}

std::vector<HeadPredictions> Model::classify_heads(const ByteView& frames, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return head_labels(impl_->logits(impl_->frames_to_pixel_values(view_of(frames, "frames"))), top_k);
}

std::vector<HeadPredictions> Model::classify_heads(const FloatView& pixel_values, int top_k) {
    impl_->require_classifier();
    ThreadScope scope(impl_->threads);
    return head_labels(impl_->logits(view_of(pixel_values, "pixel_values")), top_k);
}

ByteArray Model::mask(int64_t batch, double ratio, uint64_t seed, Masking masking) const {
    const auto* mae = std::get_if<VideoMAEConfig>(&impl_->model->config());
    if (!impl_->info.pretraining || !mae)
        throw Error(impl_->info.folder, impl_->info.architecture + " takes no mask");
    if (batch < 1) throw Error("batch", std::to_string(batch) + " is below 1");
    if (masking == Masking::Random) return byte_array(random_mask(batch, impl_->info.patches, ratio, seed));
    const int64_t per_slice = (mae->image_size / mae->patch_size) * (mae->image_size / mae->patch_size);
    return byte_array(tube_mask(batch, impl_->info.patches / per_slice, per_slice, ratio, seed));
}

double Model::flops(int64_t batch, int64_t masked) const { return impl_->model->forward_flops(batch, masked); }

std::map<std::string, std::vector<std::string>> Model::implementations() const {
    return impl_->model->implementation_log->snapshot();
}

}  // namespace vivid
