// Model::classify_each: many videos through one model, decoding ahead on a second thread.
#include <algorithm>
#include <chrono>
#include <thread>

#include "api/model_impl.h"
#include "core/bounded_queue.h"
#include "core/thread_scope.h"

namespace vivid {
namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// A video decoded and preprocessed, or the reason it could not be.
struct PreparedVideo {
    std::string path;
    Tensor pixel_values;
    std::string error;
    double decode_ms = 0;
};

// The decoded videos of a group as one batch: their clip rows one after another.
Tensor concatenate(const std::vector<const Tensor*>& parts) {
    Shape shape = parts.front()->shape();
    shape[0] = 0;
    for (const Tensor* t : parts) shape[0] += t->size(0);
    Tensor out = Tensor::uninitialized(DType::F32, shape);
    std::byte* dst = out.raw_mut();
    for (const Tensor* t : parts) dst = std::copy(t->raw(), t->raw() + t->nbytes(), dst);
    return out;
}

}  // namespace

void Model::classify_each(const std::vector<std::string>& videos, int top_k,
                          const std::function<void(const VideoResult&)>& on_result, int prefetch, int batch) {
    impl_->require_classifier();
    if (top_k < 1) throw Error("top_k", std::to_string(top_k) + " is below 1");
    if (batch < 1) throw Error("batch", std::to_string(batch) + " is below 1");
    ThreadScope scope(impl_->threads);
    // Ahead of the model, decoding gets one thread: the forward keeps the model's threads.
    const int decoder_threads = prefetch > 0 ? 1 : impl_->threads;
    auto prepare = [&](const std::string& path) {
        PreparedVideo p{path, {}, {}, 0};
        const auto start = std::chrono::steady_clock::now();
        try {
            p.pixel_values = impl_->video_to_pixel_values(path, decoder_threads);
        } catch (const Error& e) {
            p.error = e.what();
        } catch (const std::bad_alloc&) {
            p.error = path + ": out of memory";
        } catch (const std::exception& e) {
            p.error = path + ": " + e.what();
        }
        p.decode_ms = elapsed_ms(start);
        return p;
    };
    // One forward for the group's decoded videos; results in the group's order.
    auto finish = [&](std::vector<PreparedVideo>& group) {
        std::vector<VideoResult> results;
        std::vector<const Tensor*> inputs;
        for (const PreparedVideo& p : group) {
            results.push_back({p.path, {}, {}, p.error, 0, p.decode_ms, 0});
            if (p.error.empty()) inputs.push_back(&p.pixel_values);
        }
        if (!inputs.empty()) {
            const auto start = std::chrono::steady_clock::now();
            std::string failure;
            FloatArray logits;
            try {
                logits = impl_->logits(inputs.size() == 1 ? *inputs[0] : concatenate(inputs));
            } catch (const Error& e) {
                failure = e.what();
            }
            const double ms = elapsed_ms(start) / static_cast<double>(inputs.size());
            const int64_t labels = static_cast<int64_t>(impl_->info.labels.size());
            int64_t row = 0;
            for (std::size_t i = 0; i < group.size(); ++i) {
                if (!group[i].error.empty()) continue;
                VideoResult& r = results[i];
                const int64_t rows = group[i].pixel_values.size(0);
                r.model_ms = ms;
                if (!failure.empty()) {
                    r.error = r.path + ": " + failure;
                    continue;
                }
                FloatArray mine{{rows, labels}, {logits.values.begin() + row * labels,
                                                 logits.values.begin() + (row + rows) * labels}};
                std::vector<HeadPredictions> heads = head_labels(mine, top_k);
                r.labels = heads.back().labels;  // the joint of a split model
                if (!impl_->info.label_heads.empty()) r.heads = std::move(heads);
                r.frames = rows * group[i].pixel_values.size(1);
                row += rows;
            }
        }
        for (const VideoResult& r : results) on_result(r);
    };
    if (prefetch <= 0) {
        for (const std::string& path : videos) {
            std::vector<PreparedVideo> one{prepare(path)};
            finish(one);
        }
        return;
    }
    BoundedQueue<PreparedVideo> queue(static_cast<std::size_t>(std::max(prefetch, batch)));
    std::thread producer([&] {
        ThreadScope one(1);  // preprocessing's parallel loops stay on this thread
        for (const std::string& path : videos)
            if (!queue.push(prepare(path))) break;
        queue.finish();
    });
    try {
        while (auto first = queue.pop()) {
            std::vector<PreparedVideo> group{std::move(*first)};
            while (static_cast<int>(group.size()) < batch) {
                auto next = queue.try_pop();  // only what is decoded already: never wait to fill a batch
                if (!next) break;
                group.push_back(std::move(*next));
            }
            finish(group);
        }
    } catch (...) {
        queue.cancel();
        producer.join();
        throw;
    }
    producer.join();
}

}  // namespace vivid
