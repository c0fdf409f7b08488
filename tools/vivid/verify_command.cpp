// vivid verify: run a model folder on a clip and compare the leading logits (and loss) with
// reference values; prints PASS/FAIL with the max difference, exit 1 on FAIL.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>

#include "command.h"

namespace vivid::cli {
namespace {

struct VerifyArgs {
    std::string model_dir;
    std::string video;
    std::string pixel_values;
    std::string mask;
    std::string expect_logits;
    double expect_loss = NAN;
    double atol = 1e-4;
    Options options;
};

std::vector<float> parse_values(const std::string& text) {
    std::vector<float> values;
    std::stringstream s(text);
    std::string item;
    while (std::getline(s, item, ',')) {
        char* end = nullptr;
        const float v = std::strtof(item.c_str(), &end);
        if (item.empty() || *end != '\0') throw Error("--expect-logits", "'" + item + "' is not a number");
        values.push_back(v);
    }
    if (values.empty()) throw Error("--expect-logits", "no values given");
    return values;
}

bool verify(const VerifyArgs& a) {
    Model model = Model::load(a.model_dir, a.options);
    const FloatArray pv = !a.pixel_values.empty() ? read_float_tensor(a.pixel_values, "pixel_values")
                                                  : model.pixel_values(a.video);
    std::optional<ByteArray> mask;
    if (!a.mask.empty()) mask = read_byte_tensor(a.mask, "bool_masked_pos");
    std::optional<float> loss;
    if (!std::isnan(a.expect_loss)) loss = static_cast<float>(a.expect_loss);
    std::vector<Check> checks;
    try {
        checks = vivid::verify(model, pv, mask ? &*mask : nullptr, parse_values(a.expect_logits), loss, a.atol);
    } catch (const Error& e) {
        rethrow_for_input(e, a.pixel_values.empty() ? a.video : a.pixel_values, a.mask);
    }
    bool ok = true;
    for (const Check& c : checks) {
        std::printf("%s\n", c.line.c_str());
        ok = ok && c.passed;
    }
    return ok;
}

void add_verify_command(CLI::App& app) {
    auto a = std::make_shared<VerifyArgs>();
    CLI::App* cmd = app.add_subcommand("verify", "check a model folder's logits on a clip against reference values");
    cmd->add_option("--model", a->model_dir, "HF model folder")->required();
    auto* video = cmd->add_option("--video", a->video, "clip (video file or .npy)");
    auto* pv = cmd->add_option("--pixel-values", a->pixel_values, "or a safetensors file with pixel_values");
    video->excludes(pv);
    cmd->add_option("--mask", a->mask, "bool_masked_pos safetensors (pre-training models)");
    cmd->add_option("--expect-logits", a->expect_logits, "comma-separated leading values of logits[0]")->required();
    cmd->add_option("--expect-loss", a->expect_loss, "expected loss (pre-training with --mask)");
    cmd->add_option("--atol", a->atol, "absolute tolerance (default 1e-4)")->check(at_least(0));
    add_video_options(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a, video, pv]() {
        if (video->count() + pv->count() != 1) throw Error("vivid verify", "give exactly one of --video or --pixel-values");
        if (!verify(*a)) std::exit(1);
    });
}

const CommandRegistration registration(&add_verify_command);

}  // namespace
}  // namespace vivid::cli
