// In-process timing of the attention kernels of one layer at the real shapes: fp32 (the widest
// vector set), bf16 (AVX512-BF16) and int8 (AVX512-VNNI) where the CPU has them, interleaved
// round by round so that load from other processes falls on all alike. Prints wall and process
// CPU seconds (min and median) and each kernel's speed against fp32 in the same run.
// Usage: bench_attention [ROUNDS=7] [THREADS=2]
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench_timing.h"
#include "kernels/cpu_features.h"
#include "kernels/simd/attention_bf16.h"
#include "kernels/simd/attention_int8.h"
#include "kernels/simd/attention_tiles.h"
#include "kernels/simd/simd_kernels.h"

using vivid::bench::median;
using vivid::bench::now_seconds;
using vivid::bench::process_cpu_seconds;

namespace {

using Workspace = int64_t (*)(int64_t, int64_t, int64_t, int64_t, int64_t, int);
using Attention = void (*)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, float, float*, int);

struct Kernel {
    std::string name;
    Workspace workspace;
    Attention attention;
    std::vector<double> wall, cpu;
};

struct Shape {
    const char* name;
    int64_t tokens, heads, head_dim;
};

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    namespace k = vivid::kernels;
    const Shape shapes[] = {{"VideoMAE-B layer (1568 tokens, 12 x 64)", 1568, 12, 64},
                            {"ViViT-B layer (3137 tokens, 12 x 64)", 3137, 12, 64},
                            {"VideoMAE V2 giant layer (2048 tokens, 16 x 88)", 2048, 16, 88}};
    std::printf("cpu: %s, %d threads, %d rounds\n", k::cpu_features_summary().c_str(), threads, rounds);
    for (const Shape& s : shapes) {
        std::vector<Kernel> kernels;
        const k::SimdKernels& simd = k::simd_kernels();
        kernels.push_back({std::string("fp32 ") + simd.isa, simd.attention_workspace_floats, simd.attention, {}, {}});
        if (k::cpu_features().avx512_bf16)
            kernels.push_back({"bf16 avx512_bf16", k::avx512_bf16::attention_workspace_floats, k::avx512_bf16::attention, {}, {}});
        if (k::amx_attention_usable())
            kernels.push_back({"bf16 amx", k::amx_tiles::attention_workspace_floats, k::amx_tiles::attention, {}, {}});
        if (k::cpu_features().avx512_vnni)
            kernels.push_back({"int8 avx512_vnni", k::avx512_vnni::attention_workspace_floats, k::avx512_vnni::attention, {}, {}});
        if (k::amx_int8_attention_usable())
            kernels.push_back({"int8 amx", k::amx_int8_tiles::attention_workspace_floats, k::amx_int8_tiles::attention, {}, {}});
        const int64_t d = s.heads * s.head_dim;
        std::vector<float> qkv(s.tokens * 3 * d), out(s.tokens * d);
        std::mt19937 rng(5);
        std::normal_distribution<float> dist(0.0f, 1.5f);
        for (float& x : qkv) x = dist(rng);
        const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
        for (int round = -1; round < rounds; ++round)  // round -1: warm-up
            for (Kernel& kernel : kernels) {
                std::vector<float> ws(kernel.workspace(1, s.tokens, s.tokens, s.heads, s.head_dim, threads));
                const double w0 = now_seconds(), c0 = process_cpu_seconds();
                kernel.attention(qkv.data(), out.data(), 1, s.tokens, s.tokens, s.heads, s.head_dim, scale, ws.data(),
                                 threads);
                if (round < 0) continue;
                kernel.wall.push_back(now_seconds() - w0);
                kernel.cpu.push_back(process_cpu_seconds() - c0);
            }
        std::printf("\n%s\n| kernel | wall min / median ms | CPU min / median ms | fp32 / this (wall median, CPU median) |\n|---|---|---|---|\n", s.name);
        const double base_wall = median(kernels[0].wall), base_cpu = median(kernels[0].cpu);
        for (const Kernel& kernel : kernels) {
            double wmin = kernel.wall[0], cmin = kernel.cpu[0];
            for (double x : kernel.wall) wmin = x < wmin ? x : wmin;
            for (double x : kernel.cpu) cmin = x < cmin ? x : cmin;
            std::printf("| %s | %.1f / %.1f | %.1f / %.1f | %.2fx, %.2fx |\n", kernel.name.c_str(), 1e3 * wmin,
                        1e3 * median(kernel.wall), 1e3 * cmin, 1e3 * median(kernel.cpu),
                        base_wall / median(kernel.wall), base_cpu / median(kernel.cpu));
        }
    }
    return 0;
}
