// Model::classify_each: many videos through one model, decoding ahead on a second thread.
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

}  // namespace

void Model::classify_each(const std::vector<std::string>& videos, int top_k,
                          const std::function<void(const VideoResult&)>& on_result, int prefetch) {
    impl_->require_classifier();
    if (top_k < 1) throw Error("top_k", std::to_string(top_k) + " is below 1");
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
    auto finish = [&](PreparedVideo p) {
        VideoResult r{p.path, {}, p.error, 0, p.decode_ms, 0};
        if (r.error.empty()) {
            const auto start = std::chrono::steady_clock::now();
            try {
                r.labels = top_labels(impl_->logits(p.pixel_values), top_k);
                r.frames = p.pixel_values.size(0) * p.pixel_values.size(1);
            } catch (const Error& e) {
                r.error = p.path + ": " + e.what();
            }
            r.model_ms = elapsed_ms(start);
        }
        on_result(r);
    };
    if (prefetch <= 0) {
        for (const std::string& path : videos) finish(prepare(path));
        return;
    }
    BoundedQueue<PreparedVideo> queue(static_cast<std::size_t>(prefetch));
    std::thread producer([&] {
        ThreadScope one(1);  // preprocessing's parallel loops stay on this thread
        for (const std::string& path : videos)
            if (!queue.push(prepare(path))) break;
        queue.finish();
    });
    try {
        while (auto item = queue.pop()) finish(std::move(*item));
    } catch (...) {
        queue.cancel();
        producer.join();
        throw;
    }
    producer.join();
}

}  // namespace vivid
