// Model::features and Model::timeline: windows from video/window_reader.h, decoded and
// preprocessed on a second thread ahead of the model, `batch` of them per forward.
#include <exception>
#include <functional>
#include <optional>
#include <thread>

#include "api/arrays.h"
#include "api/model_impl.h"
#include "core/bounded_queue.h"
#include "core/thread_scope.h"
#include "video/clip_batch.h"
#include "video/torch_bilinear.h"
#include "video/window_reader.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

// VideoMAE V2's extract_tad_feature.py steps its 16-frame windows by 4 frames (THUMOS14).
constexpr int64_t kV2TadStride = 4;

WindowPlan plan_for(const ModelInfo& info, const Options& options, const WindowOptions& window_options) {
    WindowPlan plan;
    plan.num_frames = info.frames;
    plan.frame_sampling_rate = options.frame_sampling_rate;
    if (window_options.recipe == FeatureRecipe::VideoMAEV2Tad) plan.frame_sampling_rate = 1;  // consecutive frames
    return plan;
}

WindowOptions with_recipe_defaults(WindowOptions options) {
    if (options.recipe == FeatureRecipe::VideoMAEV2Tad && options.stride == 0 && options.stride_seconds == 0)
        options.stride = kV2TadStride;
    return options;
}


}  // namespace

FeatureRecipe parse_feature_recipe(const std::string& name, const std::string& source) {
    for (FeatureRecipe r : {FeatureRecipe::HfPipeline, FeatureRecipe::VideoMAEV2Tad})
        if (name == feature_recipe_name(r)) return r;
    throw Error(source, "unknown feature recipe '" + name + "' (hf-pipeline or videomae-v2-tad)");
}

const char* feature_recipe_name(FeatureRecipe recipe) {
    return recipe == FeatureRecipe::VideoMAEV2Tad ? "videomae-v2-tad" : "hf-pipeline";
}

FrameTransform Model::Impl::frame_transform(FeatureRecipe recipe) const {
    if (recipe == FeatureRecipe::HfPipeline) return hf_processor_transform(require_processor());
    const auto* videomae = std::get_if<VideoMAEConfig>(&model->config());
    if (!videomae || info.pretraining || !videomae->use_mean_pooling)
        throw Error(info.folder, "the videomae-v2-tad recipe reads fc_norm of the token mean, which only a "
                                 "fine-tuned VideoMAE with mean pooling has (this is " + info.architecture +
                                 (videomae && !info.pretraining ? " without mean pooling" : "") + ")");
    const int64_t size = info.image_size;
    return [size](const Tensor& frame) { return squash_frames_like_torch(frame, size, size); };
}

Model::WindowRule Model::window_rule(const WindowOptions& given) const {
    const WindowOptions options = with_recipe_defaults(given);
    if (options.recipe != FeatureRecipe::HfPipeline) impl_->frame_transform(options.recipe);  // a model it fits?
    const WindowPlan plan = plan_for(impl_->info, impl_->options, options);
    if (options.stride_seconds > 0) return {plan.frame_sampling_rate, 0};
    return {plan.frame_sampling_rate, options.stride > 0 ? options.stride : plan.num_frames * plan.frame_sampling_rate};
}

WindowFeatures Model::features(const std::string& video, const WindowOptions& options) {
    return impl_->features({video, nullptr}, options);
}

WindowFeatures Model::features(const ByteView& frames, const WindowOptions& options) {
    const Tensor t = view_of(frames, "frames");
    return impl_->features({"frames", &t}, options);
}

Timeline Model::timeline(const std::string& video, const WindowOptions& options, int top_k) {
    return impl_->timeline(*this, {video, nullptr}, options, top_k);
}

Timeline Model::timeline(const ByteView& frames, const WindowOptions& options, int top_k) {
    const Tensor t = view_of(frames, "frames");
    return impl_->timeline(*this, {"frames", &t}, options, top_k);
}

double Model::Impl::for_each_window_batch(
    const WindowInput& input, const WindowOptions& given,
    const std::function<void(const Tensor&, const std::vector<Window>&)>& run) const {
    const WindowOptions window = with_recipe_defaults(given);
    const FrameTransform transform = frame_transform(window.recipe);
    WindowPlan plan = plan_for(info, options, window);
    if (window.batch < 1) throw Error("batch", std::to_string(window.batch) + " is below 1");
    if (window.stride < 0) throw Error("stride", std::to_string(window.stride) + " is negative");
    if (window.stride_seconds < 0) throw Error("stride_seconds", std::to_string(window.stride_seconds) + " is negative");
    if (window.fps < 0) throw Error("fps", std::to_string(window.fps) + " is negative");
    if (window.stride > 0 && window.stride_seconds > 0)
        throw Error("stride", "give a stride in frames or in seconds (stride_seconds), not both");
    plan.stride = window.stride;
    plan.stride_seconds = window.stride_seconds;
    plan.fps = window.fps;
    plan.decoder_threads = 1;  // ahead of the model, decoding gets one thread: the forward keeps the rest
    const std::string& video = input.name;
    std::optional<WindowReader> opened;
    if (input.frames) opened.emplace(*input.frames, input.name, plan, transform);
    else opened.emplace(input.name, plan, transform);
    WindowReader& reader = *opened;
    // The reader runs on its own thread, at most two batches ahead; its error comes back here.
    BoundedQueue<VideoWindow> queue(static_cast<std::size_t>(2 * window.batch));
    std::exception_ptr failure;
    std::thread producer([&] {
        ThreadScope one(1);
        try {
            while (std::optional<VideoWindow> w = reader.next())
                if (!queue.push(std::move(*w))) return;
        } catch (...) {
            failure = std::current_exception();
        }
        queue.finish();
    });
    struct Join {
        BoundedQueue<VideoWindow>& queue;
        std::thread& thread;
        ~Join() {
            queue.cancel();  // a forward that threw must not leave the reader waiting
            thread.join();
        }
    } join{queue, producer};
    std::vector<Tensor> pending;  // pixel_values of the windows waiting for a forward
    std::vector<Window> windows;
    int64_t done = 0;
    auto flush = [&] {
        if (pending.empty()) return;
        const Tensor batch = stack_clips(pending, video);
        run(batch, windows);
        done += static_cast<int64_t>(windows.size());
        if (window.on_progress) window.on_progress(done, reader.expected_windows());
        pending.clear();
        windows.clear();
    };
    while (std::optional<VideoWindow> w = queue.pop()) {
        pending.push_back(std::move(w->pixel_values));
        windows.push_back({w->start_frame, w->end_frame, w->start, w->end});
        if (static_cast<int>(pending.size()) == window.batch) flush();
    }
    if (failure) std::rethrow_exception(failure);
    flush();
    return reader.fps();
}

WindowFeatures Model::Impl::features(const WindowInput& input, const WindowOptions& window_options) {
    ThreadScope scope(threads);
    WindowFeatures out;
    std::vector<float> values;
    int64_t hidden = info.hidden_size;
    out.fps = for_each_window_batch(input, window_options,
                             [&](const Tensor& pixel_values, const std::vector<Window>& windows) {
        const Tensor f = clip_vectors(pixel_values);
        hidden = f.size(1);
        values.insert(values.end(), f.data<float>(), f.data<float>() + f.numel());
        out.windows.insert(out.windows.end(), windows.begin(), windows.end());
    });
    out.vectors.shape = {static_cast<int64_t>(out.windows.size()), hidden};
    out.vectors.values = std::move(values);
    return out;
}

Timeline Model::Impl::timeline(const Model& owner, const WindowInput& input, const WindowOptions& window_options,
                               int top_k) {
    require_classifier();
    if (top_k < 1) throw Error("top_k", std::to_string(top_k) + " is below 1");
    ThreadScope scope(threads);
    Timeline out;
    out.fps = for_each_window_batch(input, window_options,
                             [&](const Tensor& pixel_values, const std::vector<Window>& windows) {
        const FloatArray logits = float_array(forward(pixel_values, nullptr).logits);
        const int64_t labels = logits.shape[1];
        for (std::size_t i = 0; i < windows.size(); ++i) {
            FloatArray row{{1, labels}, {logits.values.begin() + i * labels, logits.values.begin() + (i + 1) * labels}};
            out.windows.push_back({windows[i], owner.top_labels(row, top_k)});
        }
    });
    out.segments = timeline_segments(out.windows);
    return out;
}

std::vector<Segment> timeline_segments(const std::vector<LabelledWindow>& windows) {
    std::vector<Segment> segments;
    int64_t count = 0;
    for (std::size_t i = 0; i < windows.size(); ++i) {
        const LabelledWindow& w = windows[i];
        if (w.labels.empty()) continue;
        const Prediction& top = w.labels.front();
        if (!segments.empty() && segments.back().label == top.label && segments.back().last_window + 1 == static_cast<int64_t>(i)) {
            Segment& s = segments.back();
            s.end = w.window.end;
            s.last_window = static_cast<int64_t>(i);
            s.score += (top.score - s.score) / static_cast<double>(++count);  // running mean
            continue;
        }
        segments.push_back({w.window.start, w.window.end, top.label, top.score, static_cast<int64_t>(i),
                            static_cast<int64_t>(i)});
        count = 1;
    }
    return segments;
}

}  // namespace vivid
