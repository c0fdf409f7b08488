// The tests' own solution of vivid fit's convex problem, written apart from the library: a
// plain Newton iteration with a dense Hessian in double precision.
//
//   minimise (1/n) sum_i -log softmax(W f_i + b)[y_i] + (l2/2) ||W||^2, bias unpenalised.
//
// Softmax ignores a common shift of b, so the last class's bias is held at 0 during the
// iteration and b is centred (zero sum) at the end.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace vivid::test {

struct NewtonHead {
    std::vector<double> weight;  // (K, D)
    std::vector<double> bias;    // (K), zero sum
};

inline std::vector<double> softmax_of(const std::vector<double>& z) {
    const double top = *std::max_element(z.begin(), z.end());
    std::vector<double> p(z.size());
    double s = 0;
    for (std::size_t k = 0; k < z.size(); ++k) s += p[k] = std::exp(z[k] - top);
    for (double& v : p) v /= s;
    return p;
}

// W f + b for one vector f (D values).
inline std::vector<double> head_logits(const NewtonHead& h, const double* f, int64_t K, int64_t D) {
    std::vector<double> z(static_cast<std::size_t>(K));
    for (int64_t k = 0; k < K; ++k) {
        double s = h.bias[k];
        for (int64_t j = 0; j < D; ++j) s += h.weight[k * D + j] * f[j];
        z[k] = s;
    }
    return z;
}

// x (n, D) row-major, y class ids in [0, K).
inline NewtonHead newton_softmax(const std::vector<double>& x, const std::vector<int64_t>& y, int64_t K, int64_t D,
                                 double l2) {
    const int64_t n = static_cast<int64_t>(y.size());
    const int64_t P = K * (D + 1);  // per class: D weights then its bias
    const int64_t free_params = P - 1;  // the last class's bias is held at 0
    std::vector<double> theta(static_cast<std::size_t>(P), 0.0);
    auto objective = [&](const std::vector<double>& t, std::vector<double>* grad, std::vector<double>* hess) {
        double loss = 0;
        if (grad) grad->assign(static_cast<std::size_t>(P), 0.0);
        if (hess) hess->assign(static_cast<std::size_t>(P * P), 0.0);
        for (int64_t i = 0; i < n; ++i) {
            const double* f = x.data() + i * D;
            std::vector<double> z(static_cast<std::size_t>(K));
            for (int64_t k = 0; k < K; ++k) {
                double s = t[k * (D + 1) + D];
                for (int64_t j = 0; j < D; ++j) s += t[k * (D + 1) + j] * f[j];
                z[k] = s;
            }
            const std::vector<double> p = softmax_of(z);
            loss -= std::log(p[y[i]]);
            auto feature = [&](int64_t j) { return j < D ? f[j] : 1.0; };
            if (grad)
                for (int64_t k = 0; k < K; ++k)
                    for (int64_t j = 0; j <= D; ++j)
                        (*grad)[k * (D + 1) + j] += (p[k] - (k == y[i])) * feature(j) / static_cast<double>(n);
            if (hess)
                for (int64_t k = 0; k < K; ++k)
                    for (int64_t l = 0; l < K; ++l) {
                        const double a = ((k == l) ? p[k] : 0.0) - p[k] * p[l];
                        for (int64_t j = 0; j <= D; ++j)
                            for (int64_t m = 0; m <= D; ++m)
                                (*hess)[(k * (D + 1) + j) * P + l * (D + 1) + m] +=
                                    a * feature(j) * feature(m) / static_cast<double>(n);
                    }
        }
        loss /= static_cast<double>(n);
        for (int64_t k = 0; k < K; ++k)
            for (int64_t j = 0; j < D; ++j) {
                const int64_t q = k * (D + 1) + j;
                loss += 0.5 * l2 * t[q] * t[q];
                if (grad) (*grad)[q] += l2 * t[q];
                if (hess) (*hess)[q * P + q] += l2;
            }
        return loss;
    };
    for (int iteration = 0; iteration < 200; ++iteration) {
        std::vector<double> g, H;
        const double f0 = objective(theta, &g, &H);
        double gmax = 0;
        for (int64_t q = 0; q < free_params; ++q) gmax = std::max(gmax, std::abs(g[q]));
        if (gmax < 1e-13) break;
        // Solve H[:free, :free] step = -g[:free] by Gaussian elimination with partial pivoting.
        const int64_t m = free_params;
        std::vector<double> A(static_cast<std::size_t>(m * (m + 1)));
        for (int64_t r = 0; r < m; ++r) {
            for (int64_t c = 0; c < m; ++c) A[r * (m + 1) + c] = H[r * P + c];
            A[r * (m + 1) + m] = -g[r];
        }
        for (int64_t c = 0; c < m; ++c) {
            int64_t pivot = c;
            for (int64_t r = c + 1; r < m; ++r)
                if (std::abs(A[r * (m + 1) + c]) > std::abs(A[pivot * (m + 1) + c])) pivot = r;
            if (A[pivot * (m + 1) + c] == 0) throw std::runtime_error("singular Hessian");
            for (int64_t k = 0; k <= m; ++k) std::swap(A[c * (m + 1) + k], A[pivot * (m + 1) + k]);
            for (int64_t r = c + 1; r < m; ++r) {
                const double factor = A[r * (m + 1) + c] / A[c * (m + 1) + c];
                for (int64_t k = c; k <= m; ++k) A[r * (m + 1) + k] -= factor * A[c * (m + 1) + k];
            }
        }
        std::vector<double> step(static_cast<std::size_t>(P), 0.0);
        for (int64_t r = m - 1; r >= 0; --r) {
            double s = A[r * (m + 1) + m];
            for (int64_t k = r + 1; k < m; ++k) s -= A[r * (m + 1) + k] * step[k];
            step[r] = s / A[r * (m + 1) + r];
        }
        // Backtracking (Armijo) so that a far start cannot overshoot.
        double slope = 0;
        for (int64_t q = 0; q < m; ++q) slope += g[q] * step[q];
        double t = 1;
        std::vector<double> next(theta.size());
        for (int tries = 0; tries < 60; ++tries, t *= 0.5) {
            for (int64_t q = 0; q < P; ++q) next[q] = theta[q] + t * step[q];
            if (objective(next, nullptr, nullptr) <= f0 + 1e-4 * t * slope) break;
        }
        theta = next;
    }
    NewtonHead h;
    for (int64_t k = 0; k < K; ++k) {
        for (int64_t j = 0; j < D; ++j) h.weight.push_back(theta[k * (D + 1) + j]);
        h.bias.push_back(theta[k * (D + 1) + D]);
    }
    double mean = 0;
    for (double b : h.bias) mean += b / static_cast<double>(K);
    for (double& b : h.bias) b -= mean;
    return h;
}

// A head's parameters as one vector: the weights, then the bias.
inline std::vector<double> parameters(std::vector<double> weight, const std::vector<double>& bias) {
    weight.insert(weight.end(), bias.begin(), bias.end());
    return weight;
}

// ||a - b|| / ||b|| over two vectors of equal length.
inline double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
    double d = 0, norm = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        norm += b[i] * b[i];
    }
    return std::sqrt(d / std::max(norm, 1e-300));
}

}  // namespace vivid::test
