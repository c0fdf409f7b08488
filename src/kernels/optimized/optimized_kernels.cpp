// Default kernels: GEMMs through oneDNN's dnnl_sgemm (measured faster than Debian's OpenBLAS
// on this machine kind: it picks AVX-512 kernels itself), elementwise work over OpenMP.
#include <dnnl.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/reference/scalar_activation.h"
#include "vivid/error.h"

namespace vivid::kernels {
namespace {

void sgemm(char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    if (m == 0 || n == 0) return;
    if (dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != dnnl_success)
        throw Error("", "internal: dnnl_sgemm failed");
}

void opt_linear(const float* x, const float* w, const float* bias, float* y, int64_t m, int64_t n,
                int64_t k) {
    sgemm('N', 'T', m, n, k, 1.0f, x, k, w, k, 0.0f, y, n);
    if (!bias) return;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < m; ++i) {
        float* yr = y + i * n;
        for (int64_t j = 0; j < n; ++j) yr[j] += bias[j];
    }
}

void opt_layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                    int64_t dim, float eps) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        // Two passes in double keep the statistics exact to float precision for any dim.
        double sum = 0;
        for (int64_t i = 0; i < dim; ++i) sum += xr[i];
        const double mean = sum / static_cast<double>(dim);
        double sq = 0;
        for (int64_t i = 0; i < dim; ++i) {
            const double d = xr[i] - mean;
            sq += d * d;
        }
        const float inv = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(dim) + eps));
        const float fmean = static_cast<float>(mean);
        for (int64_t i = 0; i < dim; ++i) yr[i] = (xr[i] - fmean) * inv * gamma[i] + beta[i];
    }
}

void opt_activation(Activation act, float* x, int64_t n) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) x[i] = scalar_activation(act, x[i]);
}

void softmax_row(float* s, int64_t n) {
    float mx = -INFINITY;
    for (int64_t j = 0; j < n; ++j) mx = std::max(mx, s[j]);
    float sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += (s[j] = std::exp(s[j] - mx));
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < n; ++j) s[j] *= inv;
}

// One (batch, head) pair per task: scores = q k^T * scale (tokens x tokens) in a per-thread
// buffer, softmax in float32, then scores @ v straight into the output columns of the head.
void opt_attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t heads,
                   int64_t head_dim, float scale) {
    const int64_t d = heads * head_dim;
    const int64_t pairs = batch * heads;
#pragma omp parallel
    {
        std::vector<float> scores(static_cast<std::size_t>(tokens * tokens));
#pragma omp for schedule(dynamic, 1)
        for (int64_t bh = 0; bh < pairs; ++bh) {
            const int64_t b = bh / heads, h = bh % heads;
            const float* q = qkv + b * tokens * 3 * d + h * head_dim;
            const float* k = q + d;
            const float* v = q + 2 * d;
            sgemm('N', 'T', tokens, tokens, head_dim, scale, q, 3 * d, k, 3 * d, 0.0f,
                  scores.data(), tokens);
            for (int64_t i = 0; i < tokens; ++i) softmax_row(scores.data() + i * tokens, tokens);
            sgemm('N', 'N', tokens, head_dim, tokens, 1.0f, scores.data(), tokens, v, 3 * d, 0.0f,
                  out + b * tokens * d + h * head_dim, d);
        }
    }
}

}  // namespace

const KernelSet& optimized_kernels() {
    static const KernelSet set{"optimized", opt_linear, opt_layer_norm, opt_activation, opt_attention};
    return set;
}

}  // namespace vivid::kernels
