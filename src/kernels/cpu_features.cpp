#include "kernels/cpu_features.h"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>

namespace vivid::kernels {
namespace {

// AMX is not in GCC 12's __builtin_cpu_supports: CPUID leaf 7, EDX bit 22 (AMX-BF16).
// The OS must also have enabled the AMX tile state, which Linux does on request; oneDNN asks
// for it itself, so the bit is enough to decide that bf16 hardware exists.
bool cpuid_amx_bf16() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return (d >> 22) & 1u;
}

CpuFeatures detect() {
    __builtin_cpu_init();
    CpuFeatures f;
    f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    f.avx512_bf16 = f.avx512 && __builtin_cpu_supports("avx512bf16");
    f.avx512_vnni = f.avx512 && __builtin_cpu_supports("avx512vnni");
    f.amx_bf16 = cpuid_amx_bf16();
    // VIVID_MAX_CPU_ISA=avx2 runs vivid's own kernels as on an AVX2-only CPU (Zen 3), as oneDNN's
    // ONEDNN_MAX_CPU_ISA=AVX2 does for its products: that CPU's paths, measured on this one.
    const char* max_isa = std::getenv("VIVID_MAX_CPU_ISA");
    if (max_isa && (std::strcmp(max_isa, "avx2") == 0 || std::strcmp(max_isa, "AVX2") == 0))
        f.avx512 = f.avx512_bf16 = f.avx512_vnni = f.amx_bf16 = false;
    return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = detect();
    return features;
}

std::string cpu_features_summary() {
    const CpuFeatures& f = cpu_features();
    std::string s = f.avx512 ? "avx512" : f.avx2_fma ? "avx2" : "no-avx2";
    if (f.avx512_bf16) s += " avx512_bf16";
    if (f.avx512_vnni) s += " avx512_vnni";
    if (f.amx_bf16) s += " amx_bf16";
    return s;
}

}  // namespace vivid::kernels
