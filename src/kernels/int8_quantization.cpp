#include "kernels/int8_quantization.h"

namespace vivid::kernels {

Int8Asymmetric int8_quantize_input(const float* x, uint8_t* q, int64_t n, float levels) {
    float lo = 0.0f, hi = 0.0f;
#pragma omp parallel for reduction(min : lo) reduction(max : hi) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    const Int8Asymmetric a = int8_asymmetric(lo, hi, levels);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) q[i] = static_cast<uint8_t>(int8_quantize(x[i], a.inverse_scale, a.zero, 0.0f, levels));
    return a;
}

}  // namespace vivid::kernels
