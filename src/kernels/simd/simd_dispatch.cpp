#include "kernels/cpu_features.h"
#include "kernels/simd/simd_kernels.h"
#include "vivid/vivid.h"
#include "models/model.h"

namespace vivid::kernels {
namespace avx2 { const SimdKernels& kernels(); }
namespace avx512 { const SimdKernels& kernels(); }

std::vector<const SimdKernels*> runnable_simd_kernels() {
    const CpuFeatures& cpu = cpu_features();
    std::vector<const SimdKernels*> sets;
    if (cpu.avx512) sets.push_back(&avx512::kernels());
    if (cpu.avx2_fma) sets.push_back(&avx2::kernels());
    return sets;
}

const SimdKernels& simd_kernels() {
    static const SimdKernels* best = [] {
        const auto sets = runnable_simd_kernels();
        if (sets.empty()) throw Error("cpu", "vivid needs a CPU with AVX2 and FMA");
        return sets.front();
    }();
    return *best;
}

}  // namespace vivid::kernels

namespace vivid {

std::string kernels_in_use() {
    return std::string(kernels::simd_kernels().isa) + " (cpu: " + kernels::cpu_features_summary() + ")";
}

}  // namespace vivid
