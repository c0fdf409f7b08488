// attention_tiles_int8.inc on a plain-C++ emulation of the AMX tiles, so that the int8 tile logic
// runs and is tested on every CPU, and the AMX-INT8 build has something to be checked against.
// TDPBUSD as the manual defines it: c[m][n] += sum over k < 16, i < 4 of
// u8 a[m][4k + i] * s8 b[k][4n + i], in 32-bit integers.
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/simd/attention_tiles.h"

namespace vivid::kernels::tile_emulator_int8 {
namespace {

#include "kernels/simd/tile_emulator_storage.inc"
inline void tile_dpbusd(unsigned char* c, const unsigned char* a, const unsigned char* b) {
    int32_t acc[16][16];
    std::memcpy(acc, c, sizeof acc);
    for (int m = 0; m < 16; ++m)
        for (int k = 0; k < 16; ++k)
            for (int n = 0; n < 16; ++n)
                for (int i = 0; i < 4; ++i)
                    acc[m][n] += static_cast<int32_t>(a[m * 64 + 4 * k + i]) *
                                 static_cast<int32_t>(static_cast<int8_t>(b[k * 64 + 4 * n + i]));
    std::memcpy(c, acc, sizeof acc);
}

#define TILE_DP(c, a, b) tile_dpbusd(tiles.t[c], tiles.t[a], tiles.t[b])

#include "kernels/simd/attention_tiles_int8.inc"

}  // namespace vivid::kernels::tile_emulator_int8
