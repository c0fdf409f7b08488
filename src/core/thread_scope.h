// The thread count of one library call. OpenMP's thread count is a per-thread setting
// (nthreads-var), so setting it for the duration of a call on the calling thread keeps one
// Model's choice from leaking into the rest of the program or into another Model's calls.
#pragma once

#include <omp.h>

namespace vivid {

class ThreadScope {
public:
    explicit ThreadScope(int threads) : saved_(omp_get_max_threads()) {
        if (threads > 0) omp_set_num_threads(threads);
    }
    ~ThreadScope() { omp_set_num_threads(saved_); }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int saved_;
};

}  // namespace vivid
