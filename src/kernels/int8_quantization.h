// The int8 number format of `--precision int8`, in one place. Weights: symmetric, one scale per
// output channel, w ~ scale * q with q in [-127, 127] and scale = max|w| / 127 (-128 unused).
// Inputs: one scale and zero point for the whole input of a layer, asymmetric u8 over
// [min(x, 0), max(x, 0)], x ~ scale * (q - zero), q in [0, L]:
//  - with VNNI or AMX, L = 255 (products summed in 32 bits);
//  - without (AVX2, AVX-512 before VNNI), L = 127: oneDNN's kernels there add pairs of u8 x s8
//    products in 16 bits (vpmaddubsw), which saturates past 2 x 127 x 127; s8 inputs measured
//    logits 20-40 % off under ONEDNN_MAX_CPU_ISA=AVX2.
// Asymmetric everywhere: a layer's inputs are often one-sided (GELU outputs lie in [-0.17, max]),
// and a zero point spends every step on the range they cover, where a symmetric s8 scale would
// leave most of the negative half unused.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vivid::kernels {

constexpr float kInt8Levels = 127.0f;

// L for inputs: 255 where oneDNN multiplies int8 with VNNI or AMX, as its dispatch sees it
// (ONEDNN_MAX_CPU_ISA counts), else 127 (see above).
float int8_input_levels();

// The scale for values whose largest magnitude is `max_abs` (1 for all zeros: q = 0 anyway).
inline float int8_scale(float max_abs) { return max_abs > 0.0f ? max_abs / kInt8Levels : 1.0f; }
inline float int8_inverse_scale(float max_abs) { return max_abs > 0.0f ? kInt8Levels / max_abs : 0.0f; }

// q = round-half-even(x * inverse_scale) + zero, clamped to [lo, hi]. The oneDNN path and the
// reference emulation both quantize through the functions here, so they see the same integers.
inline int32_t int8_quantize(float x, float inverse_scale, int32_t zero = 0, float lo = -kInt8Levels,
                             float hi = kInt8Levels) {
    const float q = std::nearbyint(x * inverse_scale) + static_cast<float>(zero);
    if (q != q) return zero;  // NaN in, which no valid input has: rather than undefined behaviour
    return static_cast<int32_t>(q > hi ? hi : q < lo ? lo : q);
}

// Asymmetric u8 inputs over [min(x, 0), max(x, 0)] in `levels` steps.
struct Int8Asymmetric {
    float scale = 1.0f, inverse_scale = 0.0f;
    int32_t zero = 0;
};
inline Int8Asymmetric int8_asymmetric(float min_x, float max_x, float levels) {
    min_x = std::min(min_x, 0.0f);
    max_x = std::max(max_x, 0.0f);
    Int8Asymmetric a;
    if (max_x - min_x > 0.0f) {
        a.scale = (max_x - min_x) / levels;
        a.inverse_scale = levels / (max_x - min_x);
        a.zero = static_cast<int32_t>(std::nearbyint(-min_x * a.inverse_scale));
    }
    return a;
}

// One output channel's weights w[0, n) -> q (any integer-holding type), returning its scale.
template <typename Q>
float int8_quantize_channel(const float* w, int64_t n, Q* q) {
    float max_abs = 0.0f;
    for (int64_t k = 0; k < n; ++k) max_abs = std::max(max_abs, std::fabs(w[k]));
    const float inverse = int8_inverse_scale(max_abs);
    for (int64_t k = 0; k < n; ++k) q[k] = static_cast<Q>(int8_quantize(w[k], inverse));
    return int8_scale(max_abs);
}

// A whole input x[0, n) -> u8 q in [0, levels] with one scale and zero point (threads: OpenMP).
Int8Asymmetric int8_quantize_input(const float* x, uint8_t* q, int64_t n, float levels);

}  // namespace vivid::kernels
