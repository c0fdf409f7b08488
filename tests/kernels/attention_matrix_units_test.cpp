// The bf16 attention kernels against a plain computation written here in double: the same bf16
// rounding of their inputs (q * scale, k, v, and the probabilities exp(s - max), with the row
// sum taken over the rounded probabilities) but every product and sum exact. Three kernels:
// AVX512-BF16 dot products and AMX tiles where the CPU has them, and the tile logic on the
// plain-C++ tile emulator everywhere. Real sizes (1568/3137 tokens, 12/16 heads of 64; VideoMAE
// V2 giant's 2049 tokens, 16 heads of 88) on sampled rows, awkward ones (1, 17, 197, 300 tokens,
// odd head sizes 12/17/33/80, batch 3, CLS-only queries) in full.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/linear.h"
#include "kernels/simd/attention_bf16.h"
#include "kernels/simd/attention_tiles.h"

namespace vivid::kernels {
namespace {

struct Case {
    int64_t batch, tokens, query_rows, heads, head_dim;
};

struct Kernel {
    const char* name;
    int64_t (*workspace_floats)(int64_t, int64_t, int64_t, int64_t, int64_t, int);
    void (*attention)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, float, float*, int);
    bool emulated;  // slow: large cases only up to one real size
};

std::vector<Kernel> kernels_this_cpu_runs() {
    std::vector<Kernel> k{{"tile emulator", tile_emulator::attention_workspace_floats, tile_emulator::attention, true}};
    if (cpu_features().avx512_bf16)
        k.push_back({"avx512_bf16", avx512_bf16::attention_workspace_floats, avx512_bf16::attention, false});
    if (amx_attention_usable()) k.push_back({"amx", amx_tiles::attention_workspace_floats, amx_tiles::attention, false});
    return k;
}

double bf16(double x) { return round_to_bf16(static_cast<float>(x)); }

// One query row of one clip, every head: softmax over bf16-rounded scores' exps, in double.
void plain_row(const std::vector<float>& qkv, const Case& c, int64_t b, int64_t i, float scale, std::vector<double>& out) {
    const int64_t d = c.heads * c.head_dim;
    auto at = [&](int64_t token, int64_t part, int64_t h, int64_t ch) {
        return static_cast<double>(qkv[(b * c.tokens + token) * 3 * d + part * d + h * c.head_dim + ch]);
    };
    std::vector<double> p(c.tokens);
    for (int64_t h = 0; h < c.heads; ++h) {
        double mx = -INFINITY;
        for (int64_t j = 0; j < c.tokens; ++j) {
            double s = 0;
            for (int64_t ch = 0; ch < c.head_dim; ++ch)
                s += bf16(static_cast<float>(at(i, 0, h, ch)) * scale) * bf16(at(j, 1, h, ch));
            mx = std::max(mx, p[j] = s);
        }
        double sum = 0;
        for (double& v : p) sum += (v = bf16(std::exp(v - mx)));
        for (int64_t ch = 0; ch < c.head_dim; ++ch) {
            double acc = 0;
            for (int64_t j = 0; j < c.tokens; ++j) acc += p[j] * bf16(at(j, 2, h, ch));
            out[h * c.head_dim + ch] = acc / sum;
        }
    }
}

std::vector<int64_t> rows_to_check(int64_t rows) {
    if (rows <= 40) {
        std::vector<int64_t> all(rows);
        for (int64_t i = 0; i < rows; ++i) all[i] = i;
        return all;
    }
    std::vector<int64_t> s;
    for (int64_t i = 0; i < 12; ++i) s.push_back(i * (rows - 1) / 11);
    return s;
}

void check(const Kernel& kernel, const Case& c) {
    const int64_t d = c.heads * c.head_dim;
    std::mt19937 rng(11);
    std::normal_distribution<float> dist(0.0f, 1.5f);  // scores spread a few units, as trained models'
    std::vector<float> qkv(c.batch * c.tokens * 3 * d);
    for (float& x : qkv) x = dist(rng);
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    for (int threads : {1, 2}) {
        std::vector<float> out(c.batch * c.query_rows * d, NAN);
        std::vector<float> ws(kernel.workspace_floats(c.batch, c.tokens, c.query_rows, c.heads, c.head_dim, threads));
        kernel.attention(qkv.data(), out.data(), c.batch, c.tokens, c.query_rows, c.heads, c.head_dim, scale, ws.data(),
                         threads);
        std::vector<double> want(d);
        double worst = 0;
        for (int64_t b = 0; b < c.batch; ++b)
            for (int64_t i : rows_to_check(c.query_rows)) {
                plain_row(qkv, c, b, i, scale, want);
                for (int64_t j = 0; j < d; ++j) {
                    const double got = out[(b * c.query_rows + i) * d + j];
                    worst = std::max(worst, std::isfinite(got) ? std::fabs(want[j] - got) : INFINITY);
                }
            }
        // Values are ~1.5 in size; a probability that rounds the other way (the kernel's exp is
        // within a few ulp, not exact) moves an output by about 2^-9 of that key's share.
        EXPECT_LT(worst, 2e-3) << kernel.name << ": batch " << c.batch << " tokens " << c.tokens << " query rows " << c.query_rows
                               << " heads " << c.heads << " head_dim " << c.head_dim << " threads " << threads;
    }
}

TEST(AttentionMatrixUnits, MatchesPlainBf16AttentionAtRealAndAwkwardSizes) {
    const Case cases[] = {
        {1, 1, 1, 1, 64},    {3, 17, 17, 3, 80},     {2, 197, 197, 2, 32},    {1, 50, 1, 4, 64},
        {3, 197, 1, 12, 64}, {1, 300, 300, 2, 17},   {2, 33, 33, 2, 33},      {2, 1569, 1569, 2, 64},
        {1, 1568, 1568, 12, 64}, {1, 3137, 3137, 12, 64}, {1, 1568, 1568, 16, 64}, {1, 3137, 1, 12, 64},
        // ViViT-B/L FE: spatial (16 slots of 197 tokens; CLS alone in the last block), temporal (17).
        {16, 197, 197, 12, 64}, {16, 197, 1, 16, 64}, {1, 17, 17, 16, 64}, {3, 17, 1, 12, 64},
        // VideoMAE V2 giant: 16 heads of 88 over 2048 patches (the emulator: one head); head size 12.
        {1, 2049, 2049, 16, 88}, {1, 2049, 2049, 1, 88}, {3, 17, 17, 3, 88}, {2, 197, 197, 2, 12},
        {1, 1568, 1568, 2, 12},
    };
    for (const Kernel& kernel : kernels_this_cpu_runs())
        for (const Case& c : cases) {
            // The emulator computes every tile product in scalar code: its large cases are one
            // real size with fewer heads (the tile logic does not change with the head count).
            if (kernel.emulated && c.tokens * c.query_rows * c.heads > 1569 * 1569 * 2) continue;
            check(kernel, c);
        }
    if (!cpu_features().avx512_bf16) std::printf("no AVX512-BF16 here: the tile emulator only\n");
}

TEST(AttentionMatrixUnits, OneDominantKeyGivesItsValue) {
    // Scores of +-200: the max subtraction keeps exp finite; key 23 takes all the weight, and
    // its value (an integer, exact in bf16) comes out exactly.
    const int64_t tokens = 37, head_dim = 8;
    std::vector<float> qkv(tokens * 3 * head_dim, 0.0f);
    for (int64_t t = 0; t < tokens; ++t) {
        qkv[t * 3 * head_dim] = 10.0f;
        qkv[t * 3 * head_dim + head_dim] = t == 23 ? 20.0f : -20.0f;
        for (int64_t c = 0; c < head_dim; ++c) qkv[t * 3 * head_dim + 2 * head_dim + c] = static_cast<float>(t);
    }
    for (const Kernel& kernel : kernels_this_cpu_runs()) {
        std::vector<float> out(tokens * head_dim);
        std::vector<float> ws(kernel.workspace_floats(1, tokens, tokens, 1, head_dim, 2));
        kernel.attention(qkv.data(), out.data(), 1, tokens, tokens, 1, head_dim, 1.0f, ws.data(), 2);
        for (float v : out) EXPECT_FLOAT_EQ(v, 23.0f) << kernel.name;
    }
}

}  // namespace
}  // namespace vivid::kernels
