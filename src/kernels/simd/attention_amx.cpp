// attention_tiles.inc on AMX tiles (built with -mamx-tile -mamx-bf16 and AVX-512); called only
// after amx_attention_usable() (attention_tiles.h): cpuid shows AMX-BF16 and Linux granted the
// tile state to this process.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 header false positive (see attention_bf16_avx512.cpp)
#endif
#include <immintrin.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/simd/attention_tiles.h"

namespace vivid::kernels::amx_tiles {
namespace {

#include "kernels/simd/amx_tile_setup.inc"

#define TILE_DP(c, a, b) _tile_dpbf16ps(c, a, b)

#include "kernels/simd/attention_tiles.inc"

}  // namespace vivid::kernels::amx_tiles
