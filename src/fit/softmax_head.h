// The linear head of `vivid fit`: multinomial logistic regression on fixed feature vectors,
// written down as scikit-learn's LogisticRegression writes it, solved by liblbfgs.
//
//   minimise  (1/n) sum_i -log softmax(W f_i + b)[y_i]  +  (L/2) ||W||^2
//
// The bias is not penalised. Softmax ignores a common shift of b, so the minimiser is unique
// once b's entries sum to zero, which is how it is returned.
#pragma once

#include <cstdint>
#include <vector>

namespace vivid {

// n vectors of `dimension` values (row-major) with their class ids 0..classes-1.
struct LabelledVectors {
    int64_t dimension = 0;
    int64_t classes = 0;
    std::vector<double> vectors{};  // (n, dimension)
    std::vector<int64_t> labels{};  // (n)
    int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

struct SoftmaxHead {
    int64_t classes = 0, dimension = 0;
    std::vector<double> weight{};  // (classes, dimension)
    std::vector<double> bias{};    // (classes), summing to zero
    int iterations = 0;            // L-BFGS iterations over every restart
    double objective = 0;          // at the solution
    double gradient_max_norm = 0;  // the largest |entry| of the objective's gradient there
};

// The solution's promise: every gradient entry is below this (else the fit is an Error).
inline constexpr double kGradientTolerance = 1e-6;
// What the solver aims for before it stops: well below the promise, so that the weights
// themselves are accurate (their error is about the gradient over the Hessian's smallest
// eigenvalue, which is L or less). It stops earlier only where double rounding leaves no
// further descent.
inline constexpr double kGradientTarget = 1e-10;

// The objective above at (weight, bias), and its gradient (same layout: weight then bias).
double softmax_head_objective(const LabelledVectors& data, double l2, const double* weight_then_bias,
                              double* gradient);

// The minimiser, to kGradientTolerance; an Error if the solver cannot get there.
// `start`: a head to start from (warm start across a grid of L), or nullptr for zeros.
SoftmaxHead fit_softmax_head(const LabelledVectors& data, double l2, const SoftmaxHead* start = nullptr);

// Per vector, the class with the largest logit W f + b.
std::vector<int64_t> predict_classes(const SoftmaxHead& head, const LabelledVectors& data);
// The mean of -log softmax(W f + b)[y] over `data`.
double mean_cross_entropy(const SoftmaxHead& head, const LabelledVectors& data);

}  // namespace vivid
