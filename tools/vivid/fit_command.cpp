// vivid fit: teach a model new classes from labelled videos. A linear head is fitted on the
// model's features (vivid::fit) and written with the model into a new folder; the summary
// (classes, penalty, solver, accuracies, confusion) is printed and, with --svg, drawn.
#include <cstdio>
#include <memory>
#include <optional>

#include "batch_output.h"
#include "command.h"
#include "fit_summary.h"

namespace vivid::cli {
namespace {

struct FitArgs {
    std::string model_dir;
    std::string out;
    std::string svg;
    double l2 = 0;  // 0: cross-validated (a penalty must be above 0)
    FitOptions fit;
    Options options;
};

void run_fit(FitArgs& a) {
    if (a.fit.train.folders.empty() && a.fit.train.lists.empty())
        throw Error("vivid fit", "no training videos given (name class folders or --list)");
    if (a.l2 > 0) a.fit.l2 = a.l2;
    std::optional<Progress> progress;
    a.fit.on_video = [&progress](int64_t done, int64_t total, const std::string& error) {
        if (!progress) progress.emplace(total, 0, "read");
        if (!error.empty()) progress->note("vivid: skipped: " + error);
        progress->step(!error.empty());
        if (done == total) progress->finish();
    };
    const FitReport report = fit(a.model_dir, a.fit, a.out, a.options);
    std::fputs(fit_summary(report).c_str(), stdout);
    std::printf("wrote %s (model.safetensors, config.json, preprocessor_config.json, fit_report.json)\n", a.out.c_str());
    if (!a.svg.empty()) {
        write_text_file(a.svg, confusion_svg(report, "vivid fit: " + a.out));
        std::printf("wrote %s\n", a.svg.c_str());
    }
}

void add_fit_command(CLI::App& app) {
    auto a = std::make_shared<FitArgs>();
    CLI::App* cmd = app.add_subcommand(
        "fit", "teach a model your own classes: a linear head fitted on its features of labelled videos");
    cmd->add_option("--model", a->model_dir, "a fine-tuned HF model folder (its head is replaced)")->required();
    cmd->add_option("train", a->fit.train.folders, "training folders: one sub-folder of videos per class");
    cmd->add_option("--list", a->fit.train.lists,
                    "training videos as JSON Lines {\"path\": ..., \"label\": ...} (paths relative to the file's folder)");
    cmd->add_option("--out", a->out, "the new model folder (written whole or not at all)")->required();
    cmd->add_option("--l2", a->l2, "the penalty L in mean cross-entropy + (L/2)||W||^2 (default: chosen by "
                                   "cross-validation over 1e-4, 1e-3, 0.01, 0.1, 1, and decades above 1 while the largest scores best)")
        ->check(above(0));
    cmd->add_option("--folds", a->fit.folds, "cross-validation folds when --l2 is not given (default 5)")->check(at_least(2));
    cmd->add_option("--val", a->fit.val.folders, "validation folders (class sub-folders), scored, never fitted on");
    cmd->add_option("--val-list", a->fit.val.lists, "validation videos as JSON Lines {\"path\", \"label\"}");
    cmd->add_option("--features", a->fit.features,
                    "a `vivid features` output folder with these videos: window 0's vectors instead of running the model");
    cmd->add_option("--svg", a->svg, "draw the confusion matrices here");
    cmd->add_flag("--force", a->fit.replace, "replace a non-empty --out folder");
    cmd->add_option("--prefetch", a->fit.prefetch, "videos decoded ahead of the model (default 2; 0: one at a time)")
        ->check(at_least(0));
    cmd->add_option("--batch", a->fit.batch, "videos already decoded that share one forward (default 1)")
        ->check(CLI::Range(1, 256));
    add_video_options(*cmd, a->options);
    add_clip_options(*cmd, a->options);
    add_precision_option(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { run_fit(*a); });
}

const CommandRegistration registration(&add_fit_command);

}  // namespace
}  // namespace vivid::cli
