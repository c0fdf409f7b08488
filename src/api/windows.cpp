// Model::features and Model::timeline: windows from video/window_reader.h, decoded and
// preprocessed on a second thread ahead of the model, `batch` of them per forward.
#include <exception>
#include <functional>
#include <thread>

#include "api/arrays.h"
#include "api/model_impl.h"
#include "core/bounded_queue.h"
#include "core/thread_scope.h"
#include "video/clip_batch.h"
#include "video/window_reader.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

// Reads the windows of `video` and hands each batch (pixel_values (B, T, C, H, W) and the
// windows' times) to `run`.
double for_each_batch(WindowPlan plan, const PreprocessorConfig& processor, const std::string& video,
                      const WindowOptions& options,
                      const std::function<void(const Tensor&, const std::vector<Window>&)>& run) {
    if (options.batch < 1) throw Error("batch", std::to_string(options.batch) + " is below 1");
    if (options.stride < 0) throw Error("stride", std::to_string(options.stride) + " is negative");
    plan.stride = options.stride;
    plan.stride_seconds = options.stride_seconds;
    plan.fps = options.fps;
    plan.decoder_threads = 1;  // ahead of the model, decoding gets one thread: the forward keeps the rest
    WindowReader reader(video, plan, processor);
    // The reader runs on its own thread, at most two batches ahead; its error comes back here.
    BoundedQueue<VideoWindow> queue(static_cast<std::size_t>(2 * options.batch));
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
        if (options.on_progress) options.on_progress(done, reader.expected_windows());
        pending.clear();
        windows.clear();
    };
    while (std::optional<VideoWindow> w = queue.pop()) {
        pending.push_back(std::move(w->pixel_values));
        windows.push_back({w->start_frame, w->end_frame, w->start, w->end});
        if (static_cast<int>(pending.size()) == options.batch) flush();
    }
    if (failure) std::rethrow_exception(failure);
    flush();
    return reader.fps();
}

WindowPlan plan_for(const ModelInfo& info, const Options& options) {
    WindowPlan plan;
    plan.num_frames = info.frames;
    plan.frame_sampling_rate = options.frame_sampling_rate;
    return plan;
}

}  // namespace

WindowFeatures Model::features(const std::string& video, const WindowOptions& options) {
    ThreadScope scope(impl_->threads);
    WindowFeatures out;
    std::vector<float> values;
    int64_t hidden = impl_->info.hidden_size;
    const WindowPlan plan = plan_for(impl_->info, impl_->options);
    out.fps = for_each_batch(plan, impl_->require_processor(), video, options,
                             [&](const Tensor& pixel_values, const std::vector<Window>& windows) {
        const Tensor f = impl_->features(pixel_values);
        hidden = f.size(1);
        values.insert(values.end(), f.data<float>(), f.data<float>() + f.numel());
        out.windows.insert(out.windows.end(), windows.begin(), windows.end());
    });
    out.vectors.shape = {static_cast<int64_t>(out.windows.size()), hidden};
    out.vectors.values = std::move(values);
    return out;
}

Timeline Model::timeline(const std::string& video, const WindowOptions& options, int top_k) {
    impl_->require_classifier();
    if (top_k < 1) throw Error("top_k", std::to_string(top_k) + " is below 1");
    ThreadScope scope(impl_->threads);
    Timeline out;
    const WindowPlan plan = plan_for(impl_->info, impl_->options);
    out.fps = for_each_batch(plan, impl_->require_processor(), video, options,
                             [&](const Tensor& pixel_values, const std::vector<Window>& windows) {
        const FloatArray logits = float_array(impl_->forward(pixel_values, nullptr).logits);
        const int64_t labels = logits.shape[1];
        for (std::size_t i = 0; i < windows.size(); ++i) {
            FloatArray row{{1, labels}, {logits.values.begin() + i * labels, logits.values.begin() + (i + 1) * labels}};
            out.windows.push_back({windows[i], top_labels(row, top_k)});
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
