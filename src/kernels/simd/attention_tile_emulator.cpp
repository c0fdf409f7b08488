// attention_tiles.inc on a plain-C++ emulation of the AMX tiles, so that the tile logic runs and
// is tested on every CPU, and the hardware build has something to be checked against.
// TDPBF16PS as the manual defines it: c[m][n] += a[m][2k] b[k][2n] + a[m][2k+1] b[k][2n+1],
// summed over the 16 pairs k; bf16 products are exact in fp32.
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/simd/attention_tiles.h"

namespace vivid::kernels::tile_emulator {
namespace {

#include "kernels/simd/tile_emulator_storage.inc"
inline float bf16_at(const unsigned char* t, int row, int index) {
    uint16_t b;
    std::memcpy(&b, t + row * 64 + index * 2, 2);
    const uint32_t bits = static_cast<uint32_t>(b) << 16;
    float x;
    std::memcpy(&x, &bits, 4);
    return x;
}
inline void tile_dp(unsigned char* c, const unsigned char* a, const unsigned char* b) {
    float acc[16][16];
    std::memcpy(acc, c, sizeof acc);
    for (int m = 0; m < 16; ++m)
        for (int k = 0; k < 16; ++k) {
            const float a0 = bf16_at(a, m, 2 * k), a1 = bf16_at(a, m, 2 * k + 1);
            for (int n = 0; n < 16; ++n) acc[m][n] += a0 * bf16_at(b, k, 2 * n) + a1 * bf16_at(b, k, 2 * n + 1);
        }
    std::memcpy(c, acc, sizeof acc);
}

#define TILE_DP(c, a, b) tile_dp(tiles.t[c], tiles.t[a], tiles.t[b])

#include "kernels/simd/attention_tiles.inc"

}  // namespace vivid::kernels::tile_emulator
