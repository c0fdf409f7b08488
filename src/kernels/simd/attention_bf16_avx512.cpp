// Fused attention on AVX512-BF16 dot products (vdpbf16ps: 32 bf16 products summed pairwise into
// 16 float lanes), for `--precision bf16`. Built with -mavx512bf16; only called after cpuid
// showed the instruction (kernels/cpu_features.h). The same plan as the fp32 kernel in
// simd_kernels_impl.inc, per (clip, head, tile of queries), never forming tokens x tokens:
//   S = (q * scale) k^T    q, k rounded to bf16, pairs of head-dim columns per instruction
//   P = exp(S - rowmax)    in fp32 (the vector exp), then rounded to bf16; the row sum is
//                          taken over the rounded values, so the weights used sum to one
//   O = (P v) / rowsum     P and v in bf16, pairs of keys per instruction, fp32 accumulators
// Packing: k^T of a head as panels of 32 keys, each head-dim pair one 64-byte row of
// (k[j][2p], k[j][2p+1]) words; v as blocks of 32 columns, each key pair one row of
// (v[2i][c], v[2i+1][c]) words. Odd head sizes and key counts are padded with zeros.
// No C++ library template may be used here (see simd_kernels_impl.inc): buffers come from the caller.
// GCC 12's AVX-512 headers build their "undefined" operands from themselves (`__Y = __Y`),
// which -Wmaybe-uninitialized reports once inlined here: a known false positive of the header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/simd/attention_bf16.h"

namespace vivid::kernels::avx512_bf16 {
namespace {

#define VIVID_SIMD_BYTES 64
constexpr int W = 16;       // float lanes per vector
constexpr int KB = 2 * W;   // keys (or value columns) per register tile
constexpr int MR = 8;       // query rows per register tile: 16 accumulators of 32 registers

#include "kernels/simd/simd_vector_basics.inc"


// float -> bf16 bits, round to nearest even (what vcvtneps2bf16 does; NaN does not occur here).
inline uint32_t bf16_bits(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
}
inline uint32_t pair(float even, float odd) { return bf16_bits(even) | (bf16_bits(odd) << 16); }

inline __m512 dot(__m512 acc, __m512i a, __m512i b) {
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
}

struct Geometry {
    int64_t tokens, query_rows, heads, head_dim, d;
    int64_t pairs_dim;    // ceil(head_dim / 2): q.k pairs
    int64_t key_blocks;   // ceil(tokens / KB)
    int64_t padded_keys;  // key_blocks * KB: the score row length (even)
    int64_t key_pairs;    // padded_keys / 2
    int64_t padded_dim;   // head_dim rounded up to KB: v column blocks
    int64_t tile_rows, tiles;
    int64_t k_words() const { return key_blocks * pairs_dim * KB; }
    int64_t v_words() const { return padded_dim * key_pairs; }
    int64_t per_head_words() const { return k_words() + v_words(); }
    // q pairs, fp32 scores, bf16 probabilities, output accumulator, row sums.
    int64_t tile_floats() const {
        return tile_rows * (pairs_dim + padded_keys + key_pairs + padded_dim + 1);
    }
};

Geometry geometry(int64_t tokens, int64_t query_rows, int64_t heads, int64_t head_dim) {
    Geometry g{tokens, query_rows, heads, head_dim, heads * head_dim, 0, 0, 0, 0, 0, 0, 0};
    g.pairs_dim = (head_dim + 1) / 2;
    g.key_blocks = (tokens + KB - 1) / KB;
    g.padded_keys = g.key_blocks * KB;
    g.key_pairs = g.padded_keys / 2;
    g.padded_dim = round_up(head_dim, KB);
    g.tile_rows = score_tile_rows(g.padded_keys, query_rows, MR, 8);
    g.tiles = (query_rows + g.tile_rows - 1) / g.tile_rows;
    return g;
}

void pack_head(const Geometry& g, const float* qkv, int64_t b, int64_t h, uint32_t* k_panels, uint32_t* v_blocks) {
    const int64_t stride = 3 * g.d;
    const float* k = qkv + b * g.tokens * stride + g.d + h * g.head_dim;
    const float* v = k + g.d;
    std::memset(k_panels, 0, sizeof(uint32_t) * g.k_words());
    for (int64_t j = 0; j < g.tokens; ++j) {
        uint32_t* panel = k_panels + (j / KB) * g.pairs_dim * KB + j % KB;
        const float* kj = k + j * stride;
        for (int64_t p = 0; p < g.pairs_dim; ++p) {
            const float odd = 2 * p + 1 < g.head_dim ? kj[2 * p + 1] : 0.0f;
            panel[p * KB] = pair(kj[2 * p], odd);
        }
    }
    std::memset(v_blocks, 0, sizeof(uint32_t) * g.v_words());
    for (int64_t cb = 0; cb < g.padded_dim; cb += KB) {
        uint32_t* block = v_blocks + cb * g.key_pairs;
        const int64_t cols = imin(KB, g.head_dim - cb);
        for (int64_t jp = 0; jp < (g.tokens + 1) / 2; ++jp) {
            const float* even = v + 2 * jp * stride + cb;
            const float* odd = 2 * jp + 1 < g.tokens ? even + stride : nullptr;
            for (int64_t c = 0; c < cols; ++c) block[jp * KB + c] = pair(even[c], odd ? odd[c] : 0.0f);
        }
    }
}

// scores[MR rows, KB keys] = q (MR rows of pairs_dim words, interleaved q[p * MR + r]) * panel.
inline void qk_tile(const uint32_t* q, int64_t pairs_dim, const uint32_t* panel, float* scores, int64_t ld) {
    __m512 acc[MR][2];
    for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t p = 0; p < pairs_dim; ++p) {
        const __m512i k0 = _mm512_loadu_si512(panel + p * KB), k1 = _mm512_loadu_si512(panel + p * KB + W);
        for (int r = 0; r < MR; ++r) {
            const __m512i qp = _mm512_set1_epi32(static_cast<int>(q[p * MR + r]));
            acc[r][0] = dot(acc[r][0], qp, k0);
            acc[r][1] = dot(acc[r][1], qp, k1);
        }
    }
    for (int r = 0; r < MR; ++r) {
        _mm512_storeu_ps(scores + r * ld, acc[r][0]);
        _mm512_storeu_ps(scores + r * ld + W, acc[r][1]);
    }
}

// out[MR rows, KB cols] += p[MR rows of key-pair words, ld apart][jp0, jp1) * v block rows.
inline void pv_tile(const uint32_t* p, int64_t ld, const uint32_t* v, int64_t jp0, int64_t jp1, float* out,
                    int64_t out_ld) {
    __m512 acc[MR][2];
    for (int r = 0; r < MR; ++r) {
        acc[r][0] = _mm512_loadu_ps(out + r * out_ld);
        acc[r][1] = _mm512_loadu_ps(out + r * out_ld + W);
    }
    for (int64_t jp = jp0; jp < jp1; ++jp) {
        const __m512i v0 = _mm512_loadu_si512(v + jp * KB), v1 = _mm512_loadu_si512(v + jp * KB + W);
        for (int r = 0; r < MR; ++r) {
            const __m512i pp = _mm512_set1_epi32(static_cast<int>(p[r * ld + jp]));
            acc[r][0] = dot(acc[r][0], pp, v0);
            acc[r][1] = dot(acc[r][1], pp, v1);
        }
    }
    for (int r = 0; r < MR; ++r) {
        _mm512_storeu_ps(out + r * out_ld, acc[r][0]);
        _mm512_storeu_ps(out + r * out_ld + W, acc[r][1]);
    }
}

// A score row (n valid of `padded` keys) -> bf16 exp(s - rowmax) in `probs` (zeros past n);
// returns the sum of the rounded values.
float exp_row_bf16(const float* s, int64_t n, int64_t padded, uint16_t* probs) {
    const float mx = row_max(s, n);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t j = 0; j < padded; j += W) {
        __m512 e = vexp_nonpositive(_mm512_loadu_ps(s + j) - mx);
        if (j + W > n) e = _mm512_maskz_mov_ps(n > j ? static_cast<__mmask16>((1u << (n - j)) - 1u) : 0, e);  // keys past n
        const __m256i rounded = (__m256i)_mm512_cvtneps_pbh(e);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(probs + j), rounded);
        sum += _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(rounded), 16));
    }
    return _mm512_reduce_add_ps(sum);
}

void attention_tile(const Geometry& g, const float* qkv, const uint32_t* k_panels, const uint32_t* v_blocks,
                    int64_t b, int64_t h, int64_t tile, float scale, float* out, float* scratch) {
    const int64_t row0 = tile * g.tile_rows;
    const int64_t rows = imin(g.tile_rows, g.query_rows - row0);
    const int64_t groups = (rows + MR - 1) / MR;
    const int64_t stride = 3 * g.d;
    auto* q = reinterpret_cast<uint32_t*>(scratch);
    float* scores = scratch + g.tile_rows * g.pairs_dim;
    auto* probs = reinterpret_cast<uint16_t*>(scores + g.tile_rows * g.padded_keys);
    float* acc = scores + g.tile_rows * (g.padded_keys + g.key_pairs);
    float* sums = acc + g.tile_rows * g.padded_dim;
    for (int64_t grp = 0; grp < groups; ++grp)
        for (int r = 0; r < MR; ++r) {
            const int64_t i = grp * MR + r;
            uint32_t* qi = q + grp * MR * g.pairs_dim + r;
            const float* src = qkv + (b * g.tokens + row0 + i) * stride + h * g.head_dim;
            for (int64_t p = 0; p < g.pairs_dim; ++p) {
                const bool here = i < rows;
                const float even = here ? src[2 * p] * scale : 0.0f;
                const float odd = here && 2 * p + 1 < g.head_dim ? src[2 * p + 1] * scale : 0.0f;
                qi[p * MR] = pair(even, odd);
            }
        }
    const int64_t ld = g.padded_keys;
    for (int64_t kb = 0; kb < g.key_blocks; ++kb)
        for (int64_t grp = 0; grp < groups; ++grp)
            qk_tile(q + grp * MR * g.pairs_dim, g.pairs_dim, k_panels + kb * g.pairs_dim * KB,
                    scores + grp * MR * ld + kb * KB, ld);
    for (int64_t i = 0; i < groups * MR; ++i) sums[i] = exp_row_bf16(scores + i * ld, g.tokens, ld, probs + i * ld);
    std::memset(acc, 0, sizeof(float) * groups * MR * g.padded_dim);
    const auto* prob_pairs = reinterpret_cast<const uint32_t*>(probs);
    constexpr int64_t kValueChunk = 128;  // key pairs per pass over v: 128 x 32 columns x 4 B = 16 KB
    const int64_t used_pairs = (g.tokens + 1) / 2;
    for (int64_t jp0 = 0; jp0 < used_pairs; jp0 += kValueChunk) {
        const int64_t jp1 = imin(used_pairs, jp0 + kValueChunk);
        for (int64_t cb = 0; cb < g.padded_dim; cb += KB)
            for (int64_t grp = 0; grp < groups; ++grp)
                pv_tile(prob_pairs + grp * MR * g.key_pairs, g.key_pairs, v_blocks + cb * g.key_pairs, jp0, jp1,
                        acc + grp * MR * g.padded_dim + cb, g.padded_dim);
    }
    for (int64_t i = 0; i < rows; ++i) {
        const float inv = 1.0f / sums[i];
        const float* src = acc + i * g.padded_dim;
        float* dst = out + (b * g.query_rows + row0 + i) * g.d + h * g.head_dim;
        for (int64_t c = 0; c < g.head_dim; ++c) dst[c] = src[c] * inv;
    }
}

}  // namespace

int64_t attention_workspace_floats(int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
                                   int64_t head_dim, int threads) {
    if (batch <= 0 || tokens <= 0 || query_rows <= 0 || heads <= 0 || head_dim <= 0) return 0;
    const Geometry g = geometry(tokens, query_rows, heads, head_dim);
    return batch * heads * g.per_head_words() + threads * g.tile_floats();
}

void attention(const float* qkv, float* out, int64_t batch, int64_t tokens, int64_t query_rows, int64_t heads,
               int64_t head_dim, float scale, float* workspace, int threads) {
    if (batch <= 0 || tokens <= 0 || query_rows <= 0 || heads <= 0 || head_dim <= 0) return;
    const Geometry g = geometry(tokens, query_rows, heads, head_dim);
    const int64_t pairs = batch * heads;
    auto* packed = reinterpret_cast<uint32_t*>(workspace);
    float* tile_buffers = workspace + pairs * g.per_head_words();
#pragma omp parallel num_threads(threads)
    {
        float* scratch = tile_buffers + omp_get_thread_num() * g.tile_floats();
#pragma omp for schedule(static)
        for (int64_t bh = 0; bh < pairs; ++bh) {
            uint32_t* k_panels = packed + bh * g.per_head_words();
            pack_head(g, qkv, bh / heads, bh % heads, k_panels, k_panels + g.k_words());
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t task = 0; task < pairs * g.tiles; ++task) {
            const int64_t bh = task / g.tiles;
            const uint32_t* k_panels = packed + bh * g.per_head_words();
            attention_tile(g, qkv, k_panels, k_panels + g.k_words(), bh / heads, bh % heads, task % g.tiles, scale,
                           out, scratch);
        }
    }
}

}  // namespace vivid::kernels::avx512_bf16
