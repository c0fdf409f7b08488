// What the CPU can execute, read once with cpuid (through the compiler's builtins).
#pragma once

#include <string>

namespace vivid::kernels {

struct CpuFeatures {
    bool avx2_fma = false;
    bool avx512 = false;       // AVX512 F + BW + DQ + VL
    bool avx512_bf16 = false;  // vdpbf16ps
    bool avx512_vnni = false;  // vpdpbusd: u8 x s8 dot products (int8 attention)
    bool amx_bf16 = false;
    // Hardware bf16 dot products, which the bf16 path needs to be faster than fp32.
    bool has_bf16() const { return avx512_bf16 || amx_bf16; }
};

// What vivid may use: the CPU's features, less AVX-512 and AMX under VIVID_MAX_CPU_ISA=avx2.
const CpuFeatures& cpu_features();
// e.g. "avx512 avx512_bf16" or "avx2": for benchmark records and messages.
std::string cpu_features_summary();

}  // namespace vivid::kernels
