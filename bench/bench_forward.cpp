// Forward-pass timing: loads an HF model folder once, then times VideoModel::forward on the
// pixel_values of a safetensors file (warm-up runs first, median of the timed runs), so the
// figure compares with a PyTorch forward, not with process start and weight loading.
// Usage: bench_forward MODEL_DIR PIXEL_VALUES.safetensors [REPS=3] [THREADS=1] [WARMUP=1] [OUT.safetensors]
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_timing.h"
#include "vivid/error.h"
#include "vivid/model.h"
#include "vivid/safetensors.h"

using vivid::bench::median;
using vivid::bench::now_seconds;
using vivid::bench::process_cpu_seconds;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s MODEL_DIR PIXEL_VALUES.safetensors [REPS] [THREADS] [WARMUP] [OUT]\n", argv[0]);
        return 2;
    }
    const int reps = argc > 3 ? std::atoi(argv[3]) : 3;
    const int threads = argc > 4 ? std::atoi(argv[4]) : 1;
    const int warmup = argc > 5 ? std::atoi(argv[5]) : 1;
    if (threads > 0) omp_set_num_threads(threads);
    try {
        const double t0 = now_seconds();
        auto model = vivid::load_model(argv[1]);
        const double load_s = now_seconds() - t0;
        const vivid::TensorMap inputs = vivid::read_safetensors(argv[2]);
        const auto it = inputs.find("pixel_values");
        if (it == inputs.end()) throw vivid::Error(argv[2], "no tensor named pixel_values");
        vivid::ModelOutputs out;
        for (int i = 0; i < warmup; ++i) out = model->forward(it->second, nullptr);
        std::vector<double> times, cpu_times;
        for (int i = 0; i < reps; ++i) {
            const double c = process_cpu_seconds();
            const double s = now_seconds();
            out = model->forward(it->second, nullptr);
            times.push_back(now_seconds() - s);
            cpu_times.push_back(process_cpu_seconds() - c);
        }
        if (argc > 6) vivid::write_safetensors(argv[6], vivid::TensorMap{{"logits", out.logits}});
        std::printf("{\"threads\": %d, \"reps\": %d, \"load_s\": %.6f, \"forward_median_s\": %.6f, "
                    "\"forward_min_s\": %.6f, \"forward_cpu_median_s\": %.6f}\n",
                    threads, reps, load_s, median(times), *std::min_element(times.begin(), times.end()), median(cpu_times));
    } catch (const vivid::Error& e) {
        std::fprintf(stderr, "bench_forward: error: %s\n", e.what());
        return 2;
    }
    return 0;
}
