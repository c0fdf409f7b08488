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

#include "kernels/simd/amx_tile_setup.inc"

#define TILE_DP(c, a, b) _tile_dpbusd(c, a, b)

#include "kernels/simd/attention_tiles_int8.inc"

}  // namespace vivid::kernels::amx_int8_tiles
