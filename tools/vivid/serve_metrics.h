// The service's Prometheus metrics: requests and errors by endpoint and status, a latency
// histogram per endpoint, the queue depth and the videos in flight. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace vivid::cli {

class ServeMetrics {
public:
    void request(const std::string& endpoint, int status, double seconds);
    std::atomic<int> queue_depth{0};
    std::atomic<int> in_flight{0};
    std::string text() const;  // Prometheus text exposition format 0.0.4

private:
    struct Histogram {
        std::vector<long> counts;  // per bucket, cumulative when printed
        double sum = 0;
        long count = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, long> requests_;
    std::map<std::string, Histogram> latency_;
};

}  // namespace vivid::cli
