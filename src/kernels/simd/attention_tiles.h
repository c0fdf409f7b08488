// Fused attention on matrix tiles (attention_tiles.inc): the AMX build for `--precision bf16`
// where the CPU has AMX, and the same logic on a tile emulator that runs anywhere (tests, and
// the check the AMX build passes before it is used). Same contract as SimdKernels::attention.
#pragma once

#include <cstdint>

namespace vivid::kernels {

namespace amx_tiles {
int64_t attention_workspace_floats(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                   int64_t head_dim, int threads);
void attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
               int64_t head_dim, float scale, float* workspace, int threads);
}  // namespace amx_tiles

namespace tile_emulator {
int64_t attention_workspace_floats(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                   int64_t head_dim, int threads);
void attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
               int64_t head_dim, float scale, float* workspace, int threads);
}  // namespace tile_emulator

// int8 attention on tiles (attention_tiles_int8.inc, the number format of attention_int8.h):
// AMX-INT8 hardware, and the same logic on the tile emulator.
namespace amx_int8_tiles {
int64_t attention_workspace_floats(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                   int64_t head_dim, int threads);
void attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
               int64_t head_dim, float scale, float* workspace, int threads);
}  // namespace amx_int8_tiles

namespace tile_emulator_int8 {
int64_t attention_workspace_floats(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                   int64_t head_dim, int threads);
void attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
               int64_t head_dim, float scale, float* workspace, int threads);
}  // namespace tile_emulator_int8

// True where the AMX build may run: cpuid shows AMX-TILE and AMX-BF16, Linux granted this
// process the tile state (arch_prctl), and the AMX build's result on a test problem equals the
// emulator's. Decided once.
bool amx_attention_usable();
// The same for the int8 build: AMX-TILE and AMX-INT8, the tile state granted, and its answer
// equal to the int8 emulator's.
bool amx_int8_attention_usable();

}  // namespace vivid::kernels
