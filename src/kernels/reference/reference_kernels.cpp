// Plain reference kernels: straightforward loops with double accumulation, written to be
// read and trusted, not to be fast. Tests compare the optimized kernels against these.
#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/linear.h"

namespace vivid::kernels {
namespace {

void ref_layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                    int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        double mean = 0;
        for (int64_t i = 0; i < dim; ++i) mean += xr[i];
        mean /= static_cast<double>(dim);
        double var = 0;
        for (int64_t i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        var /= static_cast<double>(dim);
        const double inv = 1.0 / std::sqrt(var + static_cast<double>(eps));
        for (int64_t i = 0; i < dim; ++i)
            y[r * dim + i] = static_cast<float>((xr[i] - mean) * inv * gamma[i] + beta[i]);
    }
}

void ref_attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows,
                   int64_t heads, int64_t head_dim, float scale) {
    const int64_t d = heads * head_dim;
    // Query rows are independent: spread over threads only so that full-size models finish.
#pragma omp parallel for collapse(3) schedule(static)
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t i = 0; i < query_rows; ++i) {
                std::vector<double> p(static_cast<std::size_t>(tokens));
                const float* q = qkv + (b * tokens + i) * 3 * d + h * head_dim;
                double mx = -INFINITY;
                for (int64_t j = 0; j < tokens; ++j) {
                    const float* kk = qkv + (b * tokens + j) * 3 * d + d + h * head_dim;
                    double s = 0;
                    for (int64_t c = 0; c < head_dim; ++c) s += static_cast<double>(q[c]) * kk[c];
                    p[j] = s * scale;
                    mx = std::max(mx, p[j]);
                }
                double sum = 0;
                for (int64_t j = 0; j < tokens; ++j) sum += (p[j] = std::exp(p[j] - mx));
                for (int64_t c = 0; c < head_dim; ++c) {
                    double acc = 0;
                    for (int64_t j = 0; j < tokens; ++j)
                        acc += p[j] * qkv[(b * tokens + j) * 3 * d + 2 * d + h * head_dim + c];
                    out[(b * query_rows + i) * d + h * head_dim + c] = static_cast<float>(acc / sum);
                }
            }
}

}  // namespace

const KernelSet& reference_kernels() {
    static const KernelSet set{"reference", make_reference_linear, ref_layer_norm, nullptr, ref_attention, nullptr};
    return set;
}

}  // namespace vivid::kernels
