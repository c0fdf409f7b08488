// Model::classify_each: many videos through one model, decoding ahead (prepared_videos.h).
#include <algorithm>
#include <chrono>

#include "api/model_impl.h"
#include "api/prepared_videos.h"
#include "core/thread_scope.h"

namespace vivid {
namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

void Model::classify_each(const std::vector<std::string>& videos, int top_k,
                          const std::function<void(const VideoResult&)>& on_result, int prefetch, int batch) {
    impl_->require_classifier();
    if (top_k < 1) throw Error("top_k", std::to_string(top_k) + " is below 1");
    ThreadScope scope(impl_->threads);
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
    const auto decode = [this](const std::string& path, int decoder_threads) {
        return impl_->video_to_pixel_values(path, decoder_threads);
    };
    for_each_prepared(decode, impl_->threads, videos, prefetch, batch, finish);
}

}  // namespace vivid
