// Whether the AMX attention may run here: the hardware and the kernel's permission first, then
// its answer on a small problem against the tile emulator's (the same logic in plain C++), so a
// machine where the AMX build misbehaves falls back to the AVX512-BF16 kernel instead of
// computing wrong attention. Decided once per process.
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

// Linux gives a process the 8 KB tile state only when asked (arch_prctl ARCH_REQ_XCOMP_PERM
// for XFEATURE_XTILEDATA); without it the first tile instruction faults.
bool kernel_grants_tiles() {
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

bool amx_matches_emulator() {
    const int64_t batch = 2, tokens = 45, heads = 2, head_dim = 80, d = heads * head_dim;
    std::mt19937 rng(3);
    std::normal_distribution<float> dist(0.0f, 1.5f);
    std::vector<float> qkv(batch * tokens * 3 * d);
    for (float& x : qkv) x = dist(rng);
    std::vector<float> hw(batch * tokens * d), emulated(hw.size());
    std::vector<float> ws(amx_tiles::attention_workspace_floats(batch, tokens, tokens, heads, head_dim, 1));
    amx_tiles::attention(qkv.data(), hw.data(), batch, tokens, tokens, heads, head_dim, 0.125f, ws.data(), 1);
    tile_emulator::attention(qkv.data(), emulated.data(), batch, tokens, tokens, heads, head_dim, 0.125f, ws.data(), 1);
    for (std::size_t i = 0; i < hw.size(); ++i)
        if (!(std::fabs(hw[i] - emulated[i]) <= 1e-4f)) return false;  // summation order only
    return true;
}

}  // namespace

bool amx_attention_usable() {
    static const bool usable = cpu_has_amx_tiles() && cpu_features().avx512_bf16 && kernel_grants_tiles() &&
                               amx_matches_emulator();
    return usable;
}

}  // namespace vivid::kernels
