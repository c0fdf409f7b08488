// attention_tiles_int8.inc on AMX tiles (built with -mamx-tile -mamx-int8 and AVX-512); called
// only after amx_int8_attention_usable() (attention_tiles.h): cpuid shows AMX-INT8, Linux
// granted the tile state to this process, and its answer matched the emulator's.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 header false positive (see attention_bf16_avx512.cpp)
#endif
#include <immintrin.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/simd/attention_tiles.h"

namespace vivid::kernels::amx_int8_tiles {
namespace {

#define VIVID_SIMD_BYTES 64

struct Tiles {};

// Palette 1, all eight tiles 16 rows x 64 bytes.
struct alignas(64) TileConfig {
    uint8_t palette = 1, start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64, 64};
    uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};
inline void tiles_begin() {
    static const TileConfig config;
    _tile_loadconfig(&config);
}
inline void tiles_end() { _tile_release(); }

#define TILE_ZERO(i) _tile_zero(i)
#define TILE_LOAD(i, p, stride) _tile_loadd(i, (p), (stride))
#define TILE_STORE(i, p, stride) _tile_stored(i, (p), (stride))
#define TILE_DP(c, a, b) _tile_dpbusd(c, a, b)

#include "kernels/simd/attention_tiles_int8.inc"

}  // namespace vivid::kernels::amx_int8_tiles
