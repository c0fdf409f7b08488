// vivid::verify and vivid::verify_preset: a model's outputs against reference values, as the
// HF conversion scripts assert them.
#include "api/arrays.h"
#include "convert/presets.h"
#include "convert/verify.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

Check value_check(const std::string& what, const std::vector<float>& actual, const std::vector<float>& expected,
                  double atol) {
    const Comparison c = compare_values(actual, expected, atol);
    return {c.passed, c.max_difference, comparison_line(what, c, atol)};
}

}  // namespace

std::vector<Check> verify(Model& model, const FloatArray& pixel_values, const ByteArray* bool_masked_pos,
                          const std::vector<float>& expected_logits, std::optional<float> expected_loss, double atol) {
    if (expected_logits.empty()) throw Error("expected logits", "no values given");
    const Outputs out = model.forward(pixel_values, bool_masked_pos);
    const Tensor logits = view_of(out.logits, "logits");
    std::vector<Check> checks{value_check("first " + std::to_string(expected_logits.size()) + " logits of sample 0",
                                          leading_logits(logits, expected_logits.size()), expected_logits, atol)};
    if (expected_loss) {
        if (!out.loss) throw Error(model.info().folder, "a loss was expected but " + model.info().architecture +
                                                            " gives one only in pre-training with a mask");
        checks.push_back(value_check("loss", {*out.loss}, {*expected_loss}, atol));
    }
    return checks;
}

std::vector<Check> verify_preset(Model& model, const std::string& preset_name, const FloatArray& pixel_values,
                                 const ByteArray* bool_masked_pos) {
    const Preset& preset = require_preset(preset_name);
    if (preset.expected_logits_slice.empty()) throw Error("preset " + preset.name, "has no reference values");
    const Outputs out = model.forward(pixel_values, bool_masked_pos);
    const Tensor logits = view_of(out.logits, "logits");
    const bool shape_ok = logits.shape() == preset.expected_logits_shape;
    std::vector<Check> checks{{shape_ok, 0,
                               std::string(shape_ok ? "PASS" : "FAIL") + " logits shape " +
                                   shape_to_string(logits.shape()) + " (reference " +
                                   shape_to_string(preset.expected_logits_shape) + ")"}};
    if (!shape_ok) return checks;
    checks.push_back(value_check(preset.slice_description, logits_slice(logits, preset.slice_description),
                                 preset.expected_logits_slice, preset.atol));
    // The script's loss depends on norm_pix_loss, which the converted config.json records.
    if (out.loss) {
        if (auto want = preset.expected_loss_for(model.info().norm_pix_loss))
            checks.push_back(value_check("loss", {*out.loss}, {*want}, preset.atol));
    }
    return checks;
}

}  // namespace vivid
