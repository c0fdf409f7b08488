// The solving part of `vivid fit` at the sizes real models give: per (videos, hidden, classes),
// one L-BFGS solve at a given L and the whole 5-fold cross-validation over the default grid of
// 5, each as a ratio to one evaluation of the objective and its gradient (the solver's unit of
// work) timed in the same program. Random clustered vectors, seeded.
//
//     build/bench_fit_solver [reps]
#include <cstdio>
#include <cstdlib>
#include <random>

#include "bench_timing.h"
#include "fit/cross_validation.h"
#include "fit/softmax_head.h"

using namespace vivid;

namespace {

LabelledVectors clustered(int64_t n, int64_t D, int64_t K) {
    std::mt19937 rng(1);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> centres(static_cast<std::size_t>(K * D));
    for (double& c : centres) c = 0.5 * normal(rng);
    LabelledVectors data{D, K, {}, {}};
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < D; ++j) data.vectors.push_back(centres[(i % K) * D + j] + normal(rng));
        data.labels.push_back(i % K);
    }
    return data;
}

template <typename F>
std::pair<double, double> time_it(int reps, F f) {
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        const double start = bench::now_seconds();
        f();
        t.push_back(bench::now_seconds() - start);
    }
    return {*std::min_element(t.begin(), t.end()), bench::median(t)};
}

}  // namespace

int main(int argc, char** argv) {
    const int reps = argc > 1 ? std::atoi(argv[1]) : 3;
    std::printf("| videos | hidden | classes | one evaluation ms (min) | solve L=0.01 s (min / median) | iterations "
                "| solve / evaluation | 5-fold CV x 5 L s (min / median) | CV / evaluation |\n|---|---|---|---|---|---|---|---|---|\n");
    const int64_t sizes[][3] = {{120, 64, 3}, {600, 768, 10}, {600, 1024, 10}};
    for (const auto& s : sizes) {
        const LabelledVectors data = clustered(s[0], s[1], s[2]);
        std::vector<double> x(static_cast<std::size_t>(s[2] * (s[1] + 1)), 0.01), g(x.size());
        const auto eval = time_it(reps * 5, [&] { softmax_head_objective(data, 0.01, x.data(), g.data()); });
        int iterations = 0;
        const auto solve = time_it(reps, [&] { iterations = fit_softmax_head(data, 0.01).iterations; });
        const auto cv = time_it(reps, [&] { cross_validate(data, {1e-4, 1e-3, 1e-2, 1e-1, 1.0}, 5); });
        std::printf("| %lld | %lld | %lld | %.2f | %.3f / %.3f | %d | %.0fx | %.2f / %.2f | %.0fx |\n",
                    static_cast<long long>(s[0]), static_cast<long long>(s[1]), static_cast<long long>(s[2]),
                    1e3 * eval.first, solve.first, solve.second, iterations, solve.first / eval.first, cv.first, cv.second,
                    cv.first / eval.first);
        std::fflush(stdout);
    }
}
