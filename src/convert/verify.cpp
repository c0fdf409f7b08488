#include "convert/verify.h"

#include <cmath>
#include <cstdio>
#include <regex>

#include "vivid/vivid.h"

namespace vivid {

std::vector<float> logits_slice(const Tensor& logits, const std::string& description) {
    static const std::regex form(R"(^logits\[0, :(\d+)(?:, :(\d+))?\]$)");
    std::smatch m;
    if (!std::regex_match(description, m, form)) throw Error("", "unsupported slice description '" + description + "'");
    const Tensor l = logits.to_float32();
    const float* p = l.data<float>();
    std::vector<float> out;
    const int64_t rows = std::stoll(m[1].str());
    if (!m[2].matched) {
        if (l.dim() != 2 || l.size(1) < rows) throw Error("logits", "shape " + shape_to_string(l.shape()) + " has no " + description);
        out.assign(p, p + rows);
        return out;
    }
    const int64_t cols = std::stoll(m[2].str());
    if (l.dim() != 3 || l.size(1) < rows || l.size(2) < cols)
        throw Error("logits", "shape " + shape_to_string(l.shape()) + " has no " + description);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) out.push_back(p[r * l.size(2) + c]);
    return out;
}

std::vector<float> leading_logits(const Tensor& logits, std::size_t count) {
    const Tensor l = logits.to_float32();
    const int64_t per_sample = l.dim() > 0 && l.size(0) > 0 ? l.numel() / l.size(0) : 0;
    if (static_cast<int64_t>(count) > per_sample)
        throw Error("logits", std::to_string(count) + " values expected but logits[0] has " + std::to_string(per_sample));
    return std::vector<float>(l.data<float>(), l.data<float>() + count);
}

Comparison compare_values(const std::vector<float>& actual, const std::vector<float>& expected, double atol) {
    Comparison c;
    if (actual.size() != expected.size()) {
        c.max_difference = INFINITY;
        return c;
    }
    for (std::size_t i = 0; i < actual.size(); ++i) {
        const double d = std::fabs(static_cast<double>(actual[i]) - expected[i]);
        c.max_difference = std::isnan(d) ? INFINITY : std::max(c.max_difference, d);
    }
    c.passed = c.max_difference <= atol;
    return c;
}

std::string comparison_line(const std::string& what, const Comparison& c, double atol) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s %s max |diff| %.3g %s %.3g", c.passed ? "PASS" : "FAIL", what.c_str(),
                  c.max_difference, c.passed ? "<=" : ">", atol);
    return buf;
}

}  // namespace vivid
