// Whether the AMX attention (bf16, and int8) may run here: the hardware and the kernel's
// permission first, then its answer on a small problem against the tile emulator's (the same
// logic in plain C++), so a machine where an AMX build misbehaves falls back to the AVX-512
// kernels instead of computing wrong attention. Decided once per process.
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/simd/attention_tiles.h"

namespace vivid::kernels {
namespace {

bool cpu_has_amx_tiles() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return ((d >> 24) & 1u) && ((d >> 22) & 1u);  // AMX-TILE, AMX-BF16
}

bool cpu_has_amx_int8() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return ((d >> 24) & 1u) && ((d >> 25) & 1u);  // AMX-TILE, AMX-INT8
}

// Linux gives a process the 8 KB tile state only when asked (arch_prctl ARCH_REQ_XCOMP_PERM
// for XFEATURE_XTILEDATA); without it the first tile instruction faults.
bool kernel_grants_tiles() {
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

using Workspace = int64_t (*)(int64_t, int64_t, int64_t, int64_t, int64_t, int);
using Attention = void (*)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, float, float*, int);

// The hardware build against the emulator on a small problem: equal up to summation order
// (bf16), or up to a probability that rounds the other way in u8 (int8: same integers otherwise).
bool matches_emulator(Workspace hw_floats, Attention hw_attention, Workspace emu_floats, Attention emu_attention,
                      float tolerance) {
    const int64_t batch = 2, tokens = 45, heads = 2, head_dim = 80, d = heads * head_dim;
    std::mt19937 rng(3);
    std::normal_distribution<float> dist(0.0f, 1.5f);
    std::vector<float> qkv(batch * tokens * 3 * d);
    for (float& x : qkv) x = dist(rng);
    std::vector<float> hw(batch * tokens * d), emulated(hw.size());
    std::vector<float> ws(hw_floats(batch, tokens, tokens, heads, head_dim, 1));
    std::vector<float> emu_ws(emu_floats(batch, tokens, tokens, heads, head_dim, 1));
    hw_attention(qkv.data(), hw.data(), batch, tokens, tokens, heads, head_dim, 0.125f, ws.data(), 1);
    emu_attention(qkv.data(), emulated.data(), batch, tokens, tokens, heads, head_dim, 0.125f, emu_ws.data(), 1);
    for (std::size_t i = 0; i < hw.size(); ++i)
        if (!(std::fabs(hw[i] - emulated[i]) <= tolerance)) return false;
    return true;
}

}  // namespace

bool amx_attention_usable() {
    static const bool usable = cpu_has_amx_tiles() && cpu_features().avx512_bf16 && kernel_grants_tiles() &&
                               matches_emulator(amx_tiles::attention_workspace_floats, amx_tiles::attention,
                                                tile_emulator::attention_workspace_floats, tile_emulator::attention,
                                                1e-4f);
    return usable;
}

bool amx_int8_attention_usable() {
    // Values ~1.5 in size: one u8 probability rounded apart moves an output by ~1.5/255 of its share.
    static const bool usable = cpu_has_amx_int8() && cpu_features().avx512 && kernel_grants_tiles() &&
                               matches_emulator(amx_int8_tiles::attention_workspace_floats, amx_int8_tiles::attention,
                                                tile_emulator_int8::attention_workspace_floats,
                                                tile_emulator_int8::attention, 1e-3f);
    return usable;
}

}  // namespace vivid::kernels
