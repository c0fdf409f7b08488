#include "fit_summary.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "svg_text.h"

namespace vivid::cli {
namespace {

std::string format(const char* pattern, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, pattern, value);
    return buf;
}

std::string pad(const std::string& s, std::size_t width, bool right = false) {
    if (s.size() >= width) return s;
    const std::string fill(width - s.size(), ' ');
    return right ? fill + s : s + fill;
}

std::size_t label_width(const FitReport& r) {
    std::size_t w = 5;
    for (const std::string& c : r.classes) w = std::max(w, c.size());
    return w;
}

std::string scores_text(const std::string& name, const FitScores& s, const FitReport& r) {
    const std::size_t w = label_width(r);
    std::string out = name + ": accuracy " + format("%.3f", s.accuracy) + " (" + std::to_string(s.videos) + " videos)\n";
    out += "  confusion (rows: true class, columns: predicted as id)\n  " + pad("", w + 4);
    for (std::size_t k = 0; k < r.classes.size(); ++k) out += pad(std::to_string(k), 6, true);
    out += "   precision  recall\n";
    for (std::size_t k = 0; k < r.classes.size(); ++k) {
        out += "  " + pad(std::to_string(k), 2, true) + "  " + pad(r.classes[k], w);
        for (int64_t n : s.confusion[k]) out += pad(std::to_string(n), 6, true);
        out += "   " + pad(format("%.3f", s.precision[k]), 9, true) + pad(format("%.3f", s.recall[k]), 8, true) + "\n";
    }
    return out;
}

}  // namespace

std::string fit_summary(const FitReport& r) {
    const std::size_t w = label_width(r);
    std::string out = "classes:\n  id  " + pad("label", w) + "  train" + (r.val ? "    val" : "") + "\n";
    for (std::size_t k = 0; k < r.classes.size(); ++k) {
        out += "  " + pad(std::to_string(k), 2, true) + "  " + pad(r.classes[k], w) +
               pad(std::to_string(r.train_counts[k]), 7, true);
        if (r.val) out += pad(std::to_string(r.val_counts[k]), 7, true);
        out += "\n";
    }
    if (r.l2_cross_validated) {
        out += "l2: " + format("%g", r.l2) + ", chosen by " + std::to_string(r.folds) +
               "-fold cross-validation (lowest held-out cross-entropy)\n       l2  held-out cross-entropy  held-out accuracy\n";
        for (std::size_t i = 0; i < r.cv_l2.size(); ++i)
            out += pad(format("%g", r.cv_l2[i]), 9, true) + pad(format("%.4f", r.cv_log_loss[i]), 24, true) +
                   pad(format("%.3f", r.cv_accuracy[i]), 19, true) + (r.cv_l2[i] == r.l2 ? "  <- chosen" : "") + "\n";
    } else {
        out += "l2: " + format("%g", r.l2) + " (given)\n";
    }
    out += "solver: L-BFGS, " + std::to_string(r.iterations) + " iterations, objective " + format("%.6g", r.objective) +
           ", gradient max-norm " + format("%.2g", r.gradient_max_norm) + "\n";
    out += scores_text("train", r.train, r);
    if (r.val) out += scores_text("val", *r.val, r);
    if (!r.skipped.empty()) {
        out += "skipped " + std::to_string(r.skipped.size()) + " unreadable video" + (r.skipped.size() > 1 ? "s" : "") + ":\n";
        for (const SkippedVideo& s : r.skipped) out += "  " + s.error + "\n";
    }
    out += "time: features " + format("%.2f", r.features_seconds) + " s, solve " + format("%.2f", r.solve_seconds) + " s\n";
    return out;
}

namespace {

constexpr double kCell = 44, kMargin = 16, kLabelRoom = 8;
constexpr double kCharWidth = 7;  // about, for a 12 px sans-serif font

std::string num(double v) { return format("%.1f", v); }

// One panel at (x, y): the matrix with the class names left of the rows and ids above the columns.
std::string panel(const FitScores& s, const std::vector<std::string>& classes, const std::string& name, double x,
                  double y, double names_width) {
    const std::size_t K = classes.size();
    std::string out = "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-weight=\"bold\">" + escape_svg_text(name) +
                      ": accuracy " + format("%.3f", s.accuracy) + " (" + std::to_string(s.videos) + " videos)</text>\n";
    const double top = y + 36, left = x + names_width;
    out += "<text x=\"" + num(left + kCell * static_cast<double>(K) / 2) + "\" y=\"" + num(y + 18) +
           "\" text-anchor=\"middle\" font-size=\"11\">predicted class id</text>\n";
    for (std::size_t k = 0; k < K; ++k) {
        out += "<text x=\"" + num(left + kCell * (static_cast<double>(k) + 0.5)) + "\" y=\"" + num(top - 4) +
               "\" text-anchor=\"middle\" font-size=\"11\">" + std::to_string(k) + "</text>\n";
        out += "<text x=\"" + num(left - kLabelRoom) + "\" y=\"" + num(top + kCell * (static_cast<double>(k) + 0.5) + 4) +
               "\" text-anchor=\"end\">" + std::to_string(k) + " " + escape_svg_text(classes[k]) + "</text>\n";
        int64_t row_total = 0;
        for (int64_t n : s.confusion[k]) row_total += n;
        for (std::size_t j = 0; j < K; ++j) {
            const int64_t n = s.confusion[k][j];
            const double share = row_total > 0 ? static_cast<double>(n) / static_cast<double>(row_total) : 0.0;
            // Blue for the diagonal (right), red off it (wrong), lighter for a smaller share of the row.
            const int light = static_cast<int>(255 - 175 * share);
            char fill[8];
            if (j == k) std::snprintf(fill, sizeof fill, "#%02x%02x%02x", light, light, 255);
            else std::snprintf(fill, sizeof fill, "#%02x%02x%02x", 255, light, light);
            const double cx = left + kCell * static_cast<double>(j), cy = top + kCell * static_cast<double>(k);
            out += "<rect x=\"" + num(cx) + "\" y=\"" + num(cy) + "\" width=\"" + num(kCell) + "\" height=\"" + num(kCell) +
                   "\" fill=\"" + fill + "\" stroke=\"#ccc\"><title>true " + escape_svg_text(classes[k]) + ", predicted " +
                   escape_svg_text(classes[j]) + ": " + std::to_string(n) + "</title></rect>\n";
            out += "<text x=\"" + num(cx + kCell / 2) + "\" y=\"" + num(cy + kCell / 2 + 4) + "\" text-anchor=\"middle\"" +
                   (share > 0.6 ? " fill=\"white\"" : "") + ">" + std::to_string(n) + "</text>\n";
        }
    }
    return out;
}

}  // namespace

std::string confusion_svg(const FitReport& r, const std::string& title) {
    double names_width = 0;
    for (const std::string& c : r.classes) names_width = std::max(names_width, kCharWidth * static_cast<double>(c.size() + 3));
    names_width += kLabelRoom;
    const double K = static_cast<double>(r.classes.size());
    const double panel_width = names_width + kCell * K + 2 * kMargin;
    const int panels = r.val ? 2 : 1;
    const double width = std::max(kMargin * 2 + panel_width * panels, 360.0), height = 36 + 36 + kCell * K + 2 * kMargin + 24;
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
                      "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
                      "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    out += "<text x=\"" + num(kMargin) + "\" y=\"" + num(kMargin + 8) + "\" font-size=\"14\">" + escape_svg_text(title) + "</text>\n";
    out += panel(r.train, r.classes, "train", kMargin, kMargin + 36, names_width);
    if (r.val) out += panel(*r.val, r.classes, "val", kMargin + panel_width, kMargin + 36, names_width);
    return out + "</svg>\n";
}

}  // namespace vivid::cli
