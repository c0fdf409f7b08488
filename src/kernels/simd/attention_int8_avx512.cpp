// Fused attention on AVX512-VNNI int8 dot products (vpdpbusd: 64 u8 x s8 products summed in
// groups of four into 16 int32 lanes), for `--precision int8`; the number format is in
// attention_int8.h. Built with -mavx512vnni; only called after cpuid showed the instruction.
// The plan of the bf16 kernel (attention_bf16_avx512.cpp), per (clip, head, tile of queries),
// never forming tokens x tokens, with groups of four where that one has pairs:
//   S: q rows (u8) broadcast four head dims at a time against k^T panels of 32 keys (s8)
//   P: exp in fp32 over the whole score row, rounded to u8
//   O: P rows (u8) broadcast four keys at a time against v blocks of 32 columns (s8), int32
//      accumulators (exact: 3137 keys x 255 x 127 < 2^31)
// Packing: k^T of a head as panels of 32 keys, each head-dim quad one 128-byte row of
// (k[j][4p..4p+3]) words; v as blocks of 32 columns, each key quad one row of
// (v[4i..4i+3][c]) words. Head sizes and key counts are padded with zeros.
// No C++ library template or inline function from another header may be used here (see
// simd_kernels_impl.inc): buffers come from the caller, rounding is the compiler's builtin.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 header false positive (see attention_bf16_avx512.cpp), reported as "is used" by _mm512_cvtepi32_ps.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/simd/attention_int8.h"

namespace vivid::kernels::avx512_vnni {
namespace {

#define VIVID_SIMD_BYTES 64
constexpr int W = 16;      // int32 (or float) lanes per vector
constexpr int KB = 2 * W;  // keys (or value columns) per register tile
constexpr int MR = 8;      // query rows per register tile: 16 accumulators
constexpr float kLevels = 127.0f;  // s8 steps each side of zero

#include "kernels/simd/simd_vector_basics.inc"


inline float inverse_of(float max_abs) { return max_abs > 0.0f ? kLevels / max_abs : 0.0f; }
inline float scale_of(float max_abs) { return max_abs > 0.0f ? max_abs / kLevels : 0.0f; }

inline __mmask16 first_lanes(int64_t n) { return n >= W ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1u); }

// max |x| over `rows` rows of `cols` values, `stride` floats apart. Vector loads, several rows
// in flight: the rows come from memory (q, k, v rows of a head lie 3 x hidden floats apart).
float max_abs(const float* x, int64_t rows, int64_t cols, int64_t stride) {
    __m512 m = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; c += W)
            m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(first_lanes(cols - c), x + r * stride + c)));
    return _mm512_reduce_max_ps(m);
}

// 16 values -> round(x * inverse) half to even (vcvtps2dq under the default rounding mode),
// clamped to [-127, 127], in int32 lanes (inverse 0: all zeros).
inline __m512i quantize16(__m512 x, __m512 inverse) {
    const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(x, inverse));
    return _mm512_max_epi32(_mm512_min_epi32(q, _mm512_set1_epi32(127)), _mm512_set1_epi32(-127));
}
// The same plus `offset`, as 16 bytes.
inline __m128i quantize16_bytes(__m512 x, __m512 inverse, int offset) {
    return _mm512_cvtepi32_epi8(_mm512_add_epi32(quantize16(x, inverse), _mm512_set1_epi32(offset)));
}

struct Geometry {
    int64_t tokens, query_rows, heads, head_dim, d;
    int64_t quads_dim;    // ceil(head_dim / 4): q.k quads
    int64_t key_blocks;   // ceil(tokens / KB)
    int64_t padded_keys;  // key_blocks * KB: the score row length
    int64_t key_quads;    // padded_keys / 4
    int64_t padded_dim;   // head_dim rounded up to KB: v column blocks
    int64_t tile_rows, tiles;
    int64_t k_words() const { return key_blocks * quads_dim * KB; }
    int64_t v_words() const { return padded_dim * key_quads; }
    // k panels, the per-key correction 128 * sum_c k[j][c], v blocks, then s_k and s_v.
    int64_t per_head_words() const { return k_words() + padded_keys + v_words() + 2; }
    // q quads, per-row score factors, fp32 scores, u8 probabilities, int32 output, row sums.
    int64_t tile_floats() const { return tile_rows * (quads_dim + 1 + padded_keys + key_quads + padded_dim + 1); }
};

Geometry geometry(int64_t tokens, int64_t query_rows, int64_t heads, int64_t head_dim) {
    Geometry g{tokens, query_rows, heads, head_dim, heads * head_dim, 0, 0, 0, 0, 0, 0, 0};
    g.quads_dim = (head_dim + 3) / 4;
    g.key_blocks = (tokens + KB - 1) / KB;
    g.padded_keys = g.key_blocks * KB;
    g.key_quads = g.padded_keys / 4;
    g.padded_dim = round_up(head_dim, KB);
    g.tile_rows = score_tile_rows(g.padded_keys, query_rows, MR, 8);
    g.tiles = (query_rows + g.tile_rows - 1) / g.tile_rows;
    return g;
}

struct HeadPack {
    uint32_t* k_panels;
    int32_t* correction;
    uint32_t* v_blocks;
    float* scales;  // s_k, s_v
};

HeadPack head_pack(const Geometry& g, uint32_t* words) {
    HeadPack p;
    p.k_panels = words;
    p.correction = reinterpret_cast<int32_t*>(words + g.k_words());
    p.v_blocks = words + g.k_words() + g.padded_keys;
    p.scales = reinterpret_cast<float*>(p.v_blocks + g.v_words());
    return p;
}

void pack_head(const Geometry& g, const float* qkv, int64_t b, int64_t h, const HeadPack& pack) {
    const int64_t stride = 3 * g.d;
    const float* k = qkv + b * g.tokens * stride + g.d + h * g.head_dim;
    const float* v = k + g.d;
    const float k_max = max_abs(k, g.tokens, g.head_dim, stride), v_max = max_abs(v, g.tokens, g.head_dim, stride);
    const float k_inverse = inverse_of(k_max), v_inverse = inverse_of(v_max);
    pack.scales[0] = scale_of(k_max);
    pack.scales[1] = scale_of(v_max);
    std::memset(pack.k_panels, 0, sizeof(uint32_t) * g.k_words());
    std::memset(pack.correction, 0, sizeof(int32_t) * g.padded_keys);
    const __m512 kv = _mm512_set1_ps(k_inverse), vv = _mm512_set1_ps(v_inverse);
    for (int64_t j = 0; j < g.tokens; ++j) {
        uint32_t* panel = pack.k_panels + (j / KB) * g.quads_dim * KB + j % KB;
        const float* kj = k + j * stride;
        __m512i sum = _mm512_setzero_si512();
        for (int64_t c = 0; c < g.head_dim; c += W) {
            const __m512i q = quantize16(_mm512_maskz_loadu_ps(first_lanes(g.head_dim - c), kj + c), kv);
            sum = _mm512_add_epi32(sum, q);
            alignas(16) uint32_t words[4];
            _mm_store_si128(reinterpret_cast<__m128i*>(words), _mm512_cvtepi32_epi8(q));
            for (int64_t w = 0; w < 4 && c / 4 + w < g.quads_dim; ++w) panel[(c / 4 + w) * KB] = words[w];
        }
        pack.correction[j] = 128 * _mm512_reduce_add_epi32(sum);
    }
    // v: four key rows' bytes per word, 16 columns at a time (rows past the last key are zeros).
    std::memset(pack.v_blocks, 0, sizeof(uint32_t) * g.v_words());
    const __m512i low_byte = _mm512_set1_epi32(0xff);
    for (int64_t cb = 0; cb < g.padded_dim; cb += KB) {
        uint32_t* block = pack.v_blocks + cb * g.key_quads;
        for (int64_t jq = 0; jq < (g.tokens + 3) / 4; ++jq)
            for (int64_t c = cb; c < cb + KB && c < g.head_dim; c += W) {
                __m512i word = _mm512_setzero_si512();
                for (int i = 0; i < 4 && 4 * jq + i < g.tokens; ++i) {
                    const __m512 x = _mm512_maskz_loadu_ps(first_lanes(g.head_dim - c), v + (4 * jq + i) * stride + c);
                    word = _mm512_or_si512(word, _mm512_slli_epi32(_mm512_and_si512(quantize16(x, vv), low_byte), 8 * i));
                }
                _mm512_storeu_si512(block + jq * KB + (c - cb), word);
            }
    }
}

// scores[MR rows, KB keys] = (q . k - correction) * factor[row], q as MR interleaved rows of
// quads_dim words (q[p * MR + r]).
inline void qk_tile(const uint32_t* q, int64_t quads_dim, const uint32_t* panel, const int32_t* correction,
                    const float* factor, float* scores, int64_t ld) {
    __m512i acc[MR][2];
    for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    for (int64_t p = 0; p < quads_dim; ++p) {
        const __m512i k0 = _mm512_loadu_si512(panel + p * KB), k1 = _mm512_loadu_si512(panel + p * KB + W);
        for (int r = 0; r < MR; ++r) {
            const __m512i qp = _mm512_set1_epi32(static_cast<int>(q[p * MR + r]));
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], qp, k0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], qp, k1);
        }
    }
    const __m512i c0 = _mm512_loadu_si512(correction), c1 = _mm512_loadu_si512(correction + W);
    for (int r = 0; r < MR; ++r) {
        const __m512 f = _mm512_set1_ps(factor[r]);
        _mm512_storeu_ps(scores + r * ld, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][0], c0)), f));
        _mm512_storeu_ps(scores + r * ld + W, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][1], c1)), f));
    }
}

// out[MR rows, KB cols] += p[MR rows of key-quad words, ld apart][jq0, jq1) . v block rows.
inline void pv_tile(const uint32_t* p, int64_t ld, const uint32_t* v, int64_t jq0, int64_t jq1, int32_t* out,
                    int64_t out_ld) {
    __m512i acc[MR][2];
    for (int r = 0; r < MR; ++r) {
        acc[r][0] = _mm512_loadu_si512(out + r * out_ld);
        acc[r][1] = _mm512_loadu_si512(out + r * out_ld + W);
    }
    for (int64_t jq = jq0; jq < jq1; ++jq) {
        const __m512i v0 = _mm512_loadu_si512(v + jq * KB), v1 = _mm512_loadu_si512(v + jq * KB + W);
        for (int r = 0; r < MR; ++r) {
            const __m512i pp = _mm512_set1_epi32(static_cast<int>(p[r * ld + jq]));
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], pp, v0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], pp, v1);
        }
    }
    for (int r = 0; r < MR; ++r) {
        _mm512_storeu_si512(out + r * out_ld, acc[r][0]);
        _mm512_storeu_si512(out + r * out_ld + W, acc[r][1]);
    }
}

// A score row (n valid of `padded` keys) -> u8 round(255 exp(s - rowmax)) in `probs` (zeros
// past n); returns their sum.
int32_t exp_row_u8(const float* s, int64_t n, int64_t padded, uint8_t* probs) {
    const float mx = row_max(s, n);
    __m512i sum = _mm512_setzero_si512();
    const __m512 levels = _mm512_set1_ps(255.0f);
    for (int64_t j = 0; j < padded; j += W) {
        const __m512 e = vexp_nonpositive(_mm512_loadu_ps(s + j) - mx);
        __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(e, levels));  // round to nearest even (MXCSR default)
        if (j + W > n) q = _mm512_maskz_mov_epi32(n > j ? static_cast<__mmask16>((1u << (n - j)) - 1u) : 0, q);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(probs + j), _mm512_cvtepi32_epi8(q));
        sum = _mm512_add_epi32(sum, q);
    }
    return _mm512_reduce_add_epi32(sum);
}

// The tile's query rows as u8 quads (q + 128), MR rows interleaved per group, and each row's
// score factor s_q * s_k * scale (rows past the tile: q = 0, factor 0).
void pack_queries(const Geometry& g, const float* qkv, int64_t b, int64_t h, int64_t row0, int64_t rows,
                  int64_t groups, float s_k, float scale, uint32_t* q, float* factor) {
    const int64_t stride = 3 * g.d;
    // The tile's q rows lie 3 x hidden floats apart, out of the prefetchers' reach: ask for all
    // of them first, so that their misses overlap instead of following one another.
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t c = 0; c < g.head_dim; c += W)
            _mm_prefetch(reinterpret_cast<const char*>(qkv + (b * g.tokens + row0 + i) * stride + h * g.head_dim + c),
                         _MM_HINT_T0);
    for (int64_t i = 0; i < groups * MR; ++i) {
        uint32_t* qi = q + (i / MR) * MR * g.quads_dim + i % MR;
        if (i >= rows) {
            factor[i] = 0.0f;
            for (int64_t p = 0; p < g.quads_dim; ++p) qi[p * MR] = 0x80808080u;  // q = 0
            continue;
        }
        const float* src = qkv + (b * g.tokens + row0 + i) * stride + h * g.head_dim;
        const float mx = max_abs(src, 1, g.head_dim, 0);
        const __m512 inverse = _mm512_set1_ps(inverse_of(mx));
        factor[i] = scale_of(mx) * s_k * scale;
        for (int64_t c = 0; c < g.head_dim; c += W) {
            // Dims past head_dim load as 0 and become 128 (q = 0) in their padding quad.
            alignas(16) uint32_t words[4];
            _mm_store_si128(reinterpret_cast<__m128i*>(words),
                            quantize16_bytes(_mm512_maskz_loadu_ps(first_lanes(g.head_dim - c), src + c), inverse, 128));
            for (int64_t w = 0; w < 4 && c / 4 + w < g.quads_dim; ++w) qi[(c / 4 + w) * MR] = words[w];
        }
    }
}

void attention_tile(const Geometry& g, const float* qkv, const HeadPack& pack, int64_t b, int64_t h, int64_t tile,
                    float scale, float* out, float* scratch) {
    const int64_t row0 = tile * g.tile_rows;
    const int64_t rows = imin(g.tile_rows, g.query_rows - row0);
    const int64_t groups = (rows + MR - 1) / MR;
    auto* q = reinterpret_cast<uint32_t*>(scratch);
    float* factor = scratch + g.tile_rows * g.quads_dim;
    float* scores = factor + g.tile_rows;
    auto* probs = reinterpret_cast<uint8_t*>(scores + g.tile_rows * g.padded_keys);
    auto* acc = reinterpret_cast<int32_t*>(scores + g.tile_rows * (g.padded_keys + g.key_quads));
    int32_t* sums = acc + g.tile_rows * g.padded_dim;
    pack_queries(g, qkv, b, h, row0, rows, groups, pack.scales[0], scale, q, factor);
    const int64_t ld = g.padded_keys;
    for (int64_t kb = 0; kb < g.key_blocks; ++kb)
        for (int64_t grp = 0; grp < groups; ++grp)
            qk_tile(q + grp * MR * g.quads_dim, g.quads_dim, pack.k_panels + kb * g.quads_dim * KB,
                    pack.correction + kb * KB, factor + grp * MR, scores + grp * MR * ld + kb * KB, ld);
    for (int64_t i = 0; i < groups * MR; ++i) sums[i] = exp_row_u8(scores + i * ld, g.tokens, ld, probs + i * ld);
    std::memset(acc, 0, sizeof(int32_t) * groups * MR * g.padded_dim);
    const auto* prob_quads = reinterpret_cast<const uint32_t*>(probs);
    constexpr int64_t kValueChunk = 128;  // key quads per pass over v: 128 x 32 columns x 4 B = 16 KB
    const int64_t used_quads = (g.tokens + 3) / 4;
    for (int64_t jq0 = 0; jq0 < used_quads; jq0 += kValueChunk) {
        const int64_t jq1 = imin(used_quads, jq0 + kValueChunk);
        for (int64_t cb = 0; cb < g.padded_dim; cb += KB)
            for (int64_t grp = 0; grp < groups; ++grp)
                pv_tile(prob_quads + grp * MR * g.key_quads, g.key_quads, pack.v_blocks + cb * g.key_quads, jq0, jq1,
                        acc + grp * MR * g.padded_dim + cb, g.padded_dim);
    }
    for (int64_t i = 0; i < rows; ++i) {
        const float f = pack.scales[1] / static_cast<float>(sums[i]);  // sums[i] >= 255: the max key
        const int32_t* src = acc + i * g.padded_dim;
        float* dst = out + (b * g.query_rows + row0 + i) * g.d + h * g.head_dim;
        for (int64_t c = 0; c < g.head_dim; ++c) dst[c] = static_cast<float>(src[c]) * f;
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
        for (int64_t bh = 0; bh < pairs; ++bh)
            pack_head(g, qkv, bh / heads, bh % heads, head_pack(g, packed + bh * g.per_head_words()));
#pragma omp for schedule(dynamic, 1)
        for (int64_t task = 0; task < pairs * g.tiles; ++task) {
            const int64_t bh = task / g.tiles;
            attention_tile(g, qkv, head_pack(g, packed + bh * g.per_head_words()), bh / heads, bh % heads,
                           task % g.tiles, scale, out, scratch);
        }
    }
}

}  // namespace vivid::kernels::avx512_vnni
