// The attention kernels' softmax exp (vexp_nonpositive) against std::exp in double over the
// whole range a weight can take, [-87, 0] (every 1021st float of [-1, 0], a dense grid beyond):
// relative error within 2.4e-7 (the polynomial's 2.3e-7) plus 2 |t| 2^-24 ln 2 with
// t = x log2 e in float (log2 e rounded to float, then the product), i.e. 2.4e-7 + 1.25e-7 |x|:
// 3.7e-7 at x = -1, 1.2e-6 where e^x = 2^-11, the size of a weight that still counts in u8.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/softmax_exp_kernels.h"

namespace vivid::kernels::test {
namespace {

std::vector<float> nonpositive_inputs() {
    std::vector<float> x;
    for (uint32_t bits = 0x80000000u; bits <= 0xbf800000u; bits += 1021) {  // -0 .. -1, every 1021st float
        float v;
        std::memcpy(&v, &bits, 4);
        x.push_back(v);
    }
    for (double v = -1.0; v > -87.0; v -= 1.0 / 4099) x.push_back(static_cast<float>(v));
    x.push_back(-87.0f);
    x.push_back(-100.0f);  // clamped: e^-87
    while (x.size() % 16) x.push_back(-0.5f);
    return x;
}

void check(void (*exp_kernel)(const float*, float*, int64_t), const char* name) {
    const std::vector<float> x = nonpositive_inputs();
    std::vector<float> y(x.size(), NAN);
    exp_kernel(x.data(), y.data(), static_cast<int64_t>(x.size()));
    double worst = 0;  // relative error over its bound
    float worst_at = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double clamped = std::max(x[i], -87.0f);
        const double want = std::exp(clamped);
        ASSERT_TRUE(std::isfinite(y[i]) && y[i] >= 0) << name << " at " << x[i];
        const double ratio = (std::fabs(y[i] - want) / want) / (2.4e-7 + 1.25e-7 * std::fabs(clamped));
        if (ratio > worst) {
            worst = ratio;
            worst_at = x[i];
        }
    }
    std::printf("%s vexp_nonpositive: largest relative error is %.2f of its bound (at x = %g)\n", name, worst,
                worst_at);
    EXPECT_LE(worst, 1.0) << name << " at x = " << worst_at;
}

TEST(SoftmaxExp, Avx2WithinItsStatedError) { check(exp_nonpositive_avx2, "avx2"); }

TEST(SoftmaxExp, Avx512WithinItsStatedError) {
    if (!cpu_features().avx512) GTEST_SKIP() << "no AVX-512 on this CPU";
    check(exp_nonpositive_avx512, "avx512");
}

}  // namespace
}  // namespace vivid::kernels::test
