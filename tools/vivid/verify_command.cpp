// vivid verify: run a model folder on a clip and compare the leading logits (and loss) with
// reference values; prints PASS/FAIL with the max difference, exit 1 on FAIL.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>

#include "command.h"
#include "model_inputs.h"
#include "vivid/error.h"
#include "vivid/verify.h"

namespace vivid::cli {
namespace {

struct VerifyOptions {
    std::string model_dir;
    std::string video;
    std::string pixel_values;
    std::string mask;
    std::string expect_logits;
    double expect_loss = NAN;
    double atol = 1e-4;
    VideoInputOptions input;
    int threads = 0;
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

bool verify(const VerifyOptions& o) {
    apply_threads(o.threads);
    auto model = load_model(o.model_dir);
    const Tensor pv = !o.pixel_values.empty() ? read_named_tensor(o.pixel_values, "pixel_values")
                                              : video_to_pixel_values(o.video, o.model_dir, *model, o.input);
    Tensor mask;
    if (!o.mask.empty()) mask = read_named_tensor(o.mask, "bool_masked_pos");
    const ModelOutputs out = model->forward(pv, mask.defined() ? &mask : nullptr);
    const std::vector<float> expected = parse_values(o.expect_logits);
    const Comparison c = compare_values(leading_logits(out.logits, expected.size()), expected, o.atol);
    std::printf("%s\n", comparison_line("first " + std::to_string(expected.size()) + " logits of sample 0", c, o.atol).c_str());
    bool ok = c.passed;
    if (!std::isnan(o.expect_loss)) {
        if (!out.loss.defined()) throw Error(o.model_dir, "--expect-loss needs a pre-training model and --mask");
        const Comparison lc = compare_values({out.loss.data<float>()[0]}, {static_cast<float>(o.expect_loss)}, o.atol);
        std::printf("%s\n", comparison_line("loss", lc, o.atol).c_str());
        ok = ok && lc.passed;
    }
    return ok;
}

void add_verify_command(CLI::App& app) {
    auto o = std::make_shared<VerifyOptions>();
    CLI::App* cmd = app.add_subcommand("verify", "check a model folder's logits on a clip against reference values");
    cmd->add_option("--model", o->model_dir, "HF model folder")->required();
    auto* video = cmd->add_option("--video", o->video, "clip (video file or .npy)");
    auto* pv = cmd->add_option("--pixel-values", o->pixel_values, "or a safetensors file with pixel_values");
    video->excludes(pv);
    cmd->add_option("--mask", o->mask, "bool_masked_pos safetensors (pre-training models)");
    cmd->add_option("--expect-logits", o->expect_logits, "comma-separated leading values of logits[0]")->required();
    cmd->add_option("--expect-loss", o->expect_loss, "expected loss (pre-training with --mask)");
    cmd->add_option("--atol", o->atol, "absolute tolerance (default 1e-4)")->check(CLI::NonNegativeNumber);
    add_video_input_options(*cmd, o->input);
    add_threads_option(*cmd, o->threads);
    cmd->callback([o, video, pv]() {
        if (video->count() + pv->count() != 1) throw Error("vivid verify", "give exactly one of --video or --pixel-values");
        if (!verify(*o)) std::exit(1);
    });
}

const CommandRegistration registration(&add_verify_command);

}  // namespace
}  // namespace vivid::cli
