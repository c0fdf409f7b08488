// The int8 number format of `--precision int8`, in one place: symmetric quantization,
// x ~ scale * q with q in [-127, 127] and scale = max|x| / 127 over the values sharing it
// (one output channel of a weight matrix; one whole input of a linear layer). -128 is never
// used, so negating q never overflows and s8 x s8 products stay symmetric.
#pragma once

#include <cmath>
#include <cstdint>

namespace vivid::kernels {

// The scale for values whose largest magnitude is `max_abs` (1 for all zeros: q = 0 anyway).
inline float int8_scale(float max_abs) { return max_abs > 0.0f ? max_abs / 127.0f : 1.0f; }

// q = round-half-even(x * 127 / max_abs), clamped: multiplying by the reciprocal is what the
// vector loop does, and the reference quantizes the same way so both see the same integers.
inline int8_t int8_quantize(float x, float inverse_scale) {
    const float q = std::nearbyint(x * inverse_scale);
    if (q != q) return 0;  // NaN in, which no valid input has: 0 rather than undefined behaviour
    return static_cast<int8_t>(q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q);
}

inline float int8_inverse_scale(float max_abs) { return max_abs > 0.0f ? 127.0f / max_abs : 0.0f; }

}  // namespace vivid::kernels
