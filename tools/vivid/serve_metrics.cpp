#include "serve_metrics.h"

#include <cstdio>

namespace vivid::cli {
namespace {

const double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
constexpr std::size_t kBucketCount = sizeof kBuckets / sizeof *kBuckets;

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

}  // namespace

void ServeMetrics::request(const std::string& endpoint, int status, double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{endpoint, status}];
    Histogram& h = latency_[endpoint];
    if (h.counts.empty()) h.counts.assign(kBucketCount, 0);
    for (std::size_t i = 0; i < kBucketCount; ++i)
        if (seconds <= kBuckets[i]) ++h.counts[i];
    h.sum += seconds;
    ++h.count;
}

std::string ServeMetrics::text() const {
    std::lock_guard lock(mutex_);
    std::string t;
    t += "# HELP vivid_requests_total HTTP requests answered, by endpoint and status.\n";
    t += "# TYPE vivid_requests_total counter\n";
    for (const auto& [key, n] : requests_)
        t += "vivid_requests_total{endpoint=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
             std::to_string(n) + "\n";
    t += "# HELP vivid_request_errors_total Requests answered with a 4xx or 5xx status, by endpoint.\n";
    t += "# TYPE vivid_request_errors_total counter\n";
    std::map<std::string, long> errors;
    for (const auto& [key, n] : requests_) errors[key.first] += key.second >= 400 ? n : 0;
    for (const auto& [endpoint, n] : errors)
        t += "vivid_request_errors_total{endpoint=\"" + endpoint + "\"} " + std::to_string(n) + "\n";
    t += "# HELP vivid_request_duration_seconds Time from request to answer, by endpoint.\n";
    t += "# TYPE vivid_request_duration_seconds histogram\n";
    for (const auto& [endpoint, h] : latency_) {
        for (std::size_t i = 0; i < kBucketCount; ++i)
            t += "vivid_request_duration_seconds_bucket{endpoint=\"" + endpoint + "\",le=\"" + number(kBuckets[i]) +
                 "\"} " + std::to_string(h.counts[i]) + "\n";
        t += "vivid_request_duration_seconds_bucket{endpoint=\"" + endpoint + "\",le=\"+Inf\"} " +
             std::to_string(h.count) + "\n";
        t += "vivid_request_duration_seconds_sum{endpoint=\"" + endpoint + "\"} " + number(h.sum) + "\n";
        t += "vivid_request_duration_seconds_count{endpoint=\"" + endpoint + "\"} " + std::to_string(h.count) + "\n";
    }
    t += "# HELP vivid_queue_depth Uploads decoded and waiting for the model.\n# TYPE vivid_queue_depth gauge\n";
    t += "vivid_queue_depth " + std::to_string(queue_depth.load()) + "\n";
    t += "# HELP vivid_videos_in_flight Classify requests being handled.\n# TYPE vivid_videos_in_flight gauge\n";
    t += "vivid_videos_in_flight " + std::to_string(in_flight.load()) + "\n";
    return t;
}

}  // namespace vivid::cli
