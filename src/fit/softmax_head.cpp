// liblbfgs minimises the head's objective; this file gives it the objective and gradient and
// checks the stopping rule itself (liblbfgs' own test is relative to ||x||, ours is absolute).
#include "fit/softmax_head.h"

#include <lbfgs.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "vivid/vivid.h"

namespace vivid {
namespace {

// Row i's logits W f_i + b into `out` (classes values).
void logits_of(const LabelledVectors& data, const double* weight, const double* bias, int64_t i, double* out) {
    const double* f = data.vectors.data() + i * data.dimension;
    for (int64_t k = 0; k < data.classes; ++k) {
        const double* w = weight + k * data.dimension;
        double s = bias[k];
        for (int64_t j = 0; j < data.dimension; ++j) s += w[j] * f[j];
        out[k] = s;
    }
}

// log sum exp, shifted by the largest value so nothing overflows.
double log_sum_exp(const double* v, int64_t n) {
    const double top = *std::max_element(v, v + n);
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += std::exp(v[k] - top);
    return top + std::log(s);
}

double max_abs(const double* v, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; ++i) m = std::max(m, std::abs(v[i]));
    return m;
}

struct Problem {
    const LabelledVectors& data;
    double l2;
    int iterations = 0;
};

lbfgsfloatval_t evaluate(void* instance, const lbfgsfloatval_t* x, lbfgsfloatval_t* g, int, lbfgsfloatval_t) {
    const Problem& p = *static_cast<const Problem*>(instance);
    return softmax_head_objective(p.data, p.l2, x, g);
}

int progress(void* instance, const lbfgsfloatval_t*, const lbfgsfloatval_t* g, lbfgsfloatval_t, lbfgsfloatval_t,
             lbfgsfloatval_t, lbfgsfloatval_t, int n, int, int) {
    Problem& p = *static_cast<Problem*>(instance);
    ++p.iterations;
    return max_abs(g, n) < kGradientTarget ? 1 : 0;  // non-zero stops liblbfgs: converged
}

}  // namespace

double softmax_head_objective(const LabelledVectors& data, double l2, const double* x, double* gradient) {
    const int64_t K = data.classes, D = data.dimension, n = data.size();
    const double* weight = x;
    const double* bias = x + K * D;
    std::fill(gradient, gradient + K * (D + 1), 0.0);
    double* grad_w = gradient;
    double* grad_b = gradient + K * D;
    std::vector<double> z(static_cast<std::size_t>(K));
    double loss = 0;
    for (int64_t i = 0; i < n; ++i) {
        logits_of(data, weight, bias, i, z.data());
        const double lse = log_sum_exp(z.data(), K);
        loss += lse - z[data.labels[i]];
        const double* f = data.vectors.data() + i * D;
        for (int64_t k = 0; k < K; ++k) {
            // d(-log softmax[y]) / dz_k = p_k - [k == y]
            const double r = (std::exp(z[k] - lse) - (k == data.labels[i] ? 1.0 : 0.0)) / static_cast<double>(n);
            grad_b[k] += r;
            double* gw = grad_w + k * D;
            for (int64_t j = 0; j < D; ++j) gw[j] += r * f[j];
        }
    }
    double penalty = 0;
    for (int64_t j = 0; j < K * D; ++j) {
        penalty += weight[j] * weight[j];
        grad_w[j] += l2 * weight[j];
    }
    return loss / static_cast<double>(n) + 0.5 * l2 * penalty;
}

SoftmaxHead fit_softmax_head(const LabelledVectors& data, double l2, const SoftmaxHead* start) {
    const int64_t K = data.classes, D = data.dimension;
    if (data.size() == 0 || K < 2) throw Error("fit", "needs videos of at least two classes");
    // L > 0 makes the minimiser unique (and finite even when the classes are separable).
    if (!(l2 > 0) || !std::isfinite(l2)) throw Error("l2", std::to_string(l2) + " is not a penalty above 0");
    const int n = static_cast<int>(K * (D + 1));
    lbfgsfloatval_t* x = lbfgs_malloc(n);
    if (!x) throw Error("fit", "out of memory for the solver");
    struct Free {
        lbfgsfloatval_t* x;
        ~Free() { lbfgs_free(x); }
    } owned{x};
    std::fill(x, x + n, 0.0);
    if (start && start->classes == K && start->dimension == D) {
        std::copy(start->weight.begin(), start->weight.end(), x);
        std::copy(start->bias.begin(), start->bias.end(), x + K * D);
    }
    lbfgs_parameter_t parameters;
    lbfgs_parameter_init(&parameters);
    parameters.epsilon = 1e-14;  // liblbfgs' relative test stays out of the way of ours
    parameters.max_iterations = 20000;
    Problem problem{data, l2};
    std::vector<double> gradient(static_cast<std::size_t>(n));
    double fx = softmax_head_objective(data, l2, x, gradient.data());
    // A line search that meets rounding (the objective flat to the last bit) ends liblbfgs'
    // run early; a fresh start from that point (its curvature pairs forgotten) usually goes on,
    // until a start gains nothing.
    double gradient_norm = max_abs(gradient.data(), n);
    for (int restart = 0; restart < 20 && gradient_norm >= kGradientTarget; ++restart) {
        const int status = lbfgs(n, x, &fx, evaluate, progress, &problem, &parameters);
        fx = softmax_head_objective(data, l2, x, gradient.data());
        const double before = gradient_norm;
        gradient_norm = max_abs(gradient.data(), n);
        if (status == LBFGSERR_MAXIMUMITERATION || gradient_norm >= before) break;
        if (status < 0 && status != LBFGSERR_ROUNDING_ERROR && status != LBFGSERR_MAXIMUMLINESEARCH &&
            status != LBFGSERR_MINIMUMSTEP && status != LBFGSERR_MAXIMUMSTEP && status != LBFGSERR_WIDTHTOOSMALL)
            throw Error("fit", "the L-BFGS solver (liblbfgs) failed with status " + std::to_string(status));
    }
    SoftmaxHead head;
    head.classes = K;
    head.dimension = D;
    head.weight.assign(x, x + K * D);
    head.bias.assign(x + K * D, x + n);
    head.iterations = problem.iterations;
    head.objective = fx;
    head.gradient_max_norm = max_abs(gradient.data(), n);
    if (head.gradient_max_norm >= kGradientTolerance)
        throw Error("fit", "the solver stopped after " + std::to_string(head.iterations) +
                               " iterations with a gradient entry of " + std::to_string(head.gradient_max_norm) +
                               ", above the tolerance 1e-6 (try a larger --l2)");
    // The bias gradient sums to zero, so the sum of b stays where it started; any rounding
    // drift is a common shift, which softmax ignores.
    const double shift = std::accumulate(head.bias.begin(), head.bias.end(), 0.0) / static_cast<double>(K);
    for (double& b : head.bias) b -= shift;
    return head;
}

std::vector<int64_t> predict_classes(const SoftmaxHead& head, const LabelledVectors& data) {
    std::vector<int64_t> out;
    std::vector<double> z(static_cast<std::size_t>(head.classes));
    for (int64_t i = 0; i < data.size(); ++i) {
        logits_of(data, head.weight.data(), head.bias.data(), i, z.data());
        out.push_back(std::max_element(z.begin(), z.end()) - z.begin());
    }
    return out;
}

double mean_cross_entropy(const SoftmaxHead& head, const LabelledVectors& data) {
    std::vector<double> z(static_cast<std::size_t>(head.classes));
    double loss = 0;
    for (int64_t i = 0; i < data.size(); ++i) {
        logits_of(data, head.weight.data(), head.bias.data(), i, z.data());
        loss += log_sum_exp(z.data(), head.classes) - z[data.labels[i]];
    }
    return data.size() > 0 ? loss / static_cast<double>(data.size()) : 0.0;
}

}  // namespace vivid
