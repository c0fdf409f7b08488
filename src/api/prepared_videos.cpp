#include "api/prepared_videos.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/bounded_queue.h"
#include "core/thread_scope.h"
#include "vivid/vivid.h"

namespace vivid {

Tensor concatenate(const std::vector<const Tensor*>& parts) {
    Shape shape = parts.front()->shape();
    shape[0] = 0;
    for (const Tensor* t : parts) shape[0] += t->size(0);
    Tensor out = Tensor::uninitialized(DType::F32, shape);
    std::byte* dst = out.raw_mut();
    for (const Tensor* t : parts) dst = std::copy(t->raw(), t->raw() + t->nbytes(), dst);
    return out;
}

void for_each_prepared(const DecodeVideo& decode, int threads, const std::vector<std::string>& videos, int prefetch,
                       int batch, const std::function<void(std::vector<PreparedVideo>&)>& finish) {
    if (batch < 1) throw Error("batch", std::to_string(batch) + " is below 1");
    // Ahead of the model, decoding gets one thread: the forward keeps the model's threads.
    const int decoder_threads = prefetch > 0 ? 1 : threads;
    auto prepare = [&](const std::string& path) {
        PreparedVideo p{path, {}, {}, 0};
        const auto start = std::chrono::steady_clock::now();
        try {
            p.pixel_values = decode(path, decoder_threads);
        } catch (const Error& e) {
            p.error = e.what();
        } catch (const std::bad_alloc&) {
            p.error = path + ": out of memory";
        } catch (const std::exception& e) {
            p.error = path + ": " + e.what();
        }
        p.decode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        return p;
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
