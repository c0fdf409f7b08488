// The int8 attention kernels against two computations written here:
//  - an integer reference: the number format of simd/attention_int8.h reproduced in plain code
//    (its quantization, the q.k and P.v dot products in 64-bit integers, softmax in double); the
//    kernel must agree up to float rounding, except where 255 exp(s - max) lies so close to a
//    rounding boundary that float and double may round it apart (counted, and allowed one
//    step each);
//  - plain double-precision attention without any quantization, within a stated bound: the
//    error that int8 attention has, measured here and printed per case.
// Real sizes (VideoMAE-B 1568 tokens, ViViT-B 3137, VideoMAE V2 giant 2049 with 16 heads of 88)
// on sampled rows, awkward ones (1, 17, 33, 197, 300 tokens, head sizes 12/17/33/88, batch 3,
// CLS-only queries) in full, plus one dominant key and very large scores.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/simd/attention_int8.h"
#include "kernels/simd/attention_tiles.h"

namespace vivid::kernels {
namespace {

struct Case {
    int64_t batch, tokens, query_rows, heads, head_dim;
    float spread = 1.5f;  // standard deviation of q, k and v
};

struct Kernel {
    const char* name;
    int64_t (*workspace_floats)(int64_t, int64_t, int64_t, int64_t, int64_t, int);
    void (*attention)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, float, float*, int);
    bool emulated;  // slow: real sizes with fewer heads only
};

std::vector<Kernel> int8_kernels_this_cpu_runs() {
    std::vector<Kernel> k{
        {"tile emulator int8", tile_emulator_int8::attention_workspace_floats, tile_emulator_int8::attention, true}};
    if (cpu_features().avx512_vnni)
        k.push_back({"avx512_vnni", avx512_vnni::attention_workspace_floats, avx512_vnni::attention, false});
    if (amx_int8_attention_usable())
        k.push_back({"amx_int8", amx_int8_tiles::attention_workspace_floats, amx_int8_tiles::attention, false});
    return k;
}

// The format, written again here: symmetric s8 with s = max|x| / 127, q = round(x * (127 / max)).
struct Quantized {
    std::vector<int64_t> q;
    double scale = 0;
};
Quantized quantize(const std::vector<float>& x) {
    float mx = 0;
    for (float v : x) mx = std::max(mx, std::fabs(v));
    Quantized out;
    const float inverse = mx > 0 ? 127.0f / mx : 0.0f;
    out.scale = mx > 0 ? static_cast<double>(mx / 127.0f) : 0.0;
    for (float v : x) out.q.push_back(std::clamp<int64_t>(std::llround(std::nearbyint(v * inverse)), -127, 127));
    return out;
}

struct Expected {
    std::vector<double> integer, plain;  // per head dim
    std::vector<double> slack;           // per head: what boundary roundings may move an output
};

// One query row of clip b, head h: both references.
void reference_row(const std::vector<float>& qkv, const Case& c, int64_t b, int64_t h, int64_t i, float scale,
                   Expected& e) {
    const int64_t d = c.heads * c.head_dim;
    auto column = [&](int64_t part, int64_t token0, int64_t tokens) {
        std::vector<float> x;
        for (int64_t t = token0; t < token0 + tokens; ++t)
            for (int64_t ch = 0; ch < c.head_dim; ++ch) x.push_back(qkv[(b * c.tokens + t) * 3 * d + part * d + h * c.head_dim + ch]);
        return x;
    };
    const std::vector<float> qf = column(0, i, 1), kf = column(1, 0, c.tokens), vf = column(2, 0, c.tokens);
    const Quantized q = quantize(qf), k = quantize(kf), v = quantize(vf);
    // Integer reference: scores from exact integer dot products, P in u8 at 1/255, P.v exact.
    std::vector<double> s(c.tokens), plain_s(c.tokens);
    double mx = -INFINITY, plain_mx = -INFINITY;
    for (int64_t j = 0; j < c.tokens; ++j) {
        int64_t dot = 0;
        double plain = 0;
        for (int64_t ch = 0; ch < c.head_dim; ++ch) {
            dot += q.q[ch] * k.q[j * c.head_dim + ch];
            plain += static_cast<double>(qf[ch]) * kf[j * c.head_dim + ch];
        }
        s[j] = static_cast<double>(dot) * q.scale * k.scale * scale;
        plain_s[j] = plain * scale;
        mx = std::max(mx, s[j]);
        plain_mx = std::max(plain_mx, plain_s[j]);
    }
    std::vector<int64_t> p(c.tokens);
    int64_t sum = 0, boundary = 0;
    double plain_sum = 0;
    for (int64_t j = 0; j < c.tokens; ++j) {
        const double x = 255.0 * std::exp(s[j] - mx);
        p[j] = std::llround(std::nearbyint(x));
        // The kernel's x carries float rounding: its exp (~2 ulp) and scores of ~1e-7 relative error.
        const double x_error = x * (2e-6 + 5e-7 * (std::fabs(s[j]) + std::fabs(mx)));
        if (std::fabs(x - std::floor(x) - 0.5) <= x_error) ++boundary;
        sum += p[j];
        plain_sum += (plain_s[j] = std::exp(plain_s[j] - plain_mx));
    }
    double v_max = 0;
    for (float x : vf) v_max = std::max(v_max, static_cast<double>(std::fabs(x)));
    e.slack[h] = (static_cast<double>(boundary) * v_max) / static_cast<double>(std::max<int64_t>(1, sum - boundary));
    for (int64_t ch = 0; ch < c.head_dim; ++ch) {
        int64_t acc = 0;
        double plain = 0;
        for (int64_t j = 0; j < c.tokens; ++j) {
            acc += p[j] * v.q[j * c.head_dim + ch];
            plain += plain_s[j] * vf[j * c.head_dim + ch];
        }
        e.integer[h * c.head_dim + ch] = static_cast<double>(acc) * v.scale / static_cast<double>(sum);
        e.plain[h * c.head_dim + ch] = plain / plain_sum;
    }
}

std::vector<int64_t> rows_to_check(int64_t rows) {
    std::vector<int64_t> s;
    for (int64_t i = 0; i < (rows <= 24 ? rows : 8); ++i) s.push_back(rows <= 24 ? i : i * (rows - 1) / 7);
    return s;
}

// Largest differences from the two references, relative to max |v| of the clip's heads.
struct Errors {
    double integer = 0, plain = 0;
};

Errors check(const Kernel& kernel, const Case& c, std::vector<float>* qkv_in = nullptr, float scale = 0) {
    const int64_t d = c.heads * c.head_dim;
    std::vector<float> qkv;
    if (qkv_in) {
        qkv = *qkv_in;
    } else {
        std::mt19937 rng(17);
        std::normal_distribution<float> dist(0.0f, c.spread);
        qkv.resize(c.batch * c.tokens * 3 * d);
        for (float& x : qkv) x = dist(rng);
    }
    if (scale == 0) scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    Errors worst;
    for (int threads : {1, 2}) {
        std::vector<float> out(c.batch * c.query_rows * d, NAN);
        std::vector<float> ws(kernel.workspace_floats(c.batch, c.tokens, c.query_rows, c.heads, c.head_dim, threads));
        kernel.attention(qkv.data(), out.data(), c.batch, c.tokens, c.query_rows, c.heads, c.head_dim, scale, ws.data(),
                         threads);
        Expected e{std::vector<double>(d), std::vector<double>(d), std::vector<double>(c.heads)};
        for (int64_t b = 0; b < c.batch; ++b) {
            double v_max = 0;
            for (int64_t t = 0; t < c.tokens; ++t)
                for (int64_t ch = 0; ch < d; ++ch) v_max = std::max(v_max, static_cast<double>(std::fabs(qkv[(b * c.tokens + t) * 3 * d + 2 * d + ch])));
            for (int64_t i : rows_to_check(c.query_rows)) {
                for (int64_t h = 0; h < c.heads; ++h) reference_row(qkv, c, b, h, i, scale, e);
                for (int64_t j = 0; j < d; ++j) {
                    const double got = out[(b * c.query_rows + i) * d + j];
                    const double integer_error = std::isfinite(got) ? std::fabs(got - e.integer[j]) : INFINITY;
                    // Float rounding of the scores and the final scaling, plus the boundary roundings.
                    if (!(integer_error <= 1e-5 * v_max + 1.01 * e.slack[j / c.head_dim])) {
                        ADD_FAILURE() << kernel.name << ": batch " << c.batch << " tokens " << c.tokens << " query rows "
                        << c.query_rows << " heads " << c.heads << " head_dim " << c.head_dim << " threads " << threads
                        << " clip " << b << " row " << i << " column " << j << ": " << got << " vs " << e.integer[j];
                        return worst;
                    }
                    worst.integer = std::max(worst.integer, integer_error / std::max(v_max, 1e-30));
                    worst.plain = std::max(worst.plain, (std::isfinite(got) ? std::fabs(got - e.plain[j]) : INFINITY) / std::max(v_max, 1e-30));
                }
            }
        }
    }
    std::printf("%s: batch %lld tokens %lld queries %lld heads %lld head_dim %lld: max error / max|v| vs integer "
                "reference %.2e, vs plain double attention %.2e\n",
                kernel.name, static_cast<long long>(c.batch), static_cast<long long>(c.tokens),
                static_cast<long long>(c.query_rows), static_cast<long long>(c.heads),
                static_cast<long long>(c.head_dim), worst.integer, worst.plain);
    return worst;
}

// int8 attention's own error against exact attention, as a share of the largest |v|: P in steps
// of 1/255 of the row's largest weight, q/k/v in steps of 1/127 of their largest magnitude.
// These inputs give scores of standard deviation ~2.25, a peaked softmax: most keys' weights are
// under 1/510 of the row's largest and round to 0 in u8, and that lost tail dominates. Measured
// (printed per case): 5.8e-2 at 3137 tokens, 4.3e-2 at 1568, 0.4-3 % elsewhere; a numpy model
// of the same format puts u8 P at 3.5-4 %, int8 q.k at 0.6-1 %, s8 v at 0.2-0.3 % of it.
// With scores of deviation ~1 all of it is under 0.1 %. (bf16 attention: about 0.15 %.)
constexpr double kPlainBound = 8e-2;

TEST(Int8Attention, MatchesIntegerAndPlainAttentionAtRealAndAwkwardSizes) {
    const Case cases[] = {
        {1, 1, 1, 1, 64},        {3, 17, 17, 3, 88},       {2, 197, 197, 2, 12},     {1, 50, 1, 4, 64},
        {3, 197, 1, 12, 64},     {1, 300, 300, 2, 17},     {2, 33, 33, 2, 33},       {3, 1569, 1569, 2, 64},
        {1, 1568, 1568, 12, 64}, {1, 3137, 3137, 12, 64},  {1, 2049, 2049, 16, 88},  {1, 3137, 1, 12, 64},
        {1, 1568, 1568, 4, 12},  {16, 197, 197, 12, 64},   {3, 17, 1, 12, 64},       {2, 2049, 2049, 2, 88},
        // The emulator's real sizes (one head: the tile logic does not change with the head count).
        {1, 2049, 2049, 1, 88},  {1, 1568, 1568, 1, 12},
        // Very large scores: q, k of size ~40 give scores in the thousands, exp underflows for all
        // but the largest keys; the row max keeps the largest finite.
        {2, 300, 300, 2, 64, 40.0f},
    };
    for (const Kernel& kernel : int8_kernels_this_cpu_runs())
        for (const Case& c : cases) {
            if (kernel.emulated && c.batch * c.tokens * c.query_rows * c.heads > 2049 * 2049) continue;
            const Errors e = check(kernel, c);
            EXPECT_LT(e.plain, kPlainBound) << kernel.name << " tokens " << c.tokens << " head_dim " << c.head_dim;
        }
}

TEST(Int8Attention, OneDominantKeyGivesItsValue) {
    // Scores of +-200: the max subtraction keeps exp finite; key 23 takes all the weight (the
    // others' exp(-400) round to 0 in u8), and its value, v's largest (so exactly 127 steps of
    // s_v), comes out exactly.
    const int64_t tokens = 37, head_dim = 88;
    std::vector<float> qkv(tokens * 3 * head_dim, 0.0f);
    for (int64_t t = 0; t < tokens; ++t) {
        qkv[t * 3 * head_dim] = 10.0f;
        qkv[t * 3 * head_dim + head_dim] = t == 23 ? 20.0f : -20.0f;
        for (int64_t c = 0; c < head_dim; ++c) qkv[t * 3 * head_dim + 2 * head_dim + c] = t == 23 ? 23.0f : static_cast<float>(t % 7);
    }
    for (const Kernel& kernel : int8_kernels_this_cpu_runs()) {
        std::vector<float> out(tokens * head_dim);
        std::vector<float> ws(kernel.workspace_floats(1, tokens, tokens, 1, head_dim, 2));
        kernel.attention(qkv.data(), out.data(), 1, tokens, tokens, 1, head_dim, 1.0f, ws.data(), 2);
        for (float v : out) EXPECT_FLOAT_EQ(v, 23.0f) << kernel.name;
        Case c{1, tokens, tokens, 1, head_dim};
        check(kernel, c, &qkv, 1.0f);
    }
}

}  // namespace
}  // namespace vivid::kernels
