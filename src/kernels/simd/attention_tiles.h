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

// True where the AMX build may run: cpuid shows AMX-TILE and AMX-BF16, Linux granted this
// process the tile state (arch_prctl), and the AMX build's result on a test problem equals the
// emulator's. Decided once.
bool amx_attention_usable();

}  // namespace vivid::kernels
