// vivid.Model.fit: a new linear head from labelled videos (vivid::Model::fit), returning the
// report as fit_report.json holds it (plus "folder"). The GIL is released while it works.
#include <pybind11/stl.h>

#include "model_inputs.h"

namespace vivid::python {
namespace {

// One path or a list of them.
std::vector<std::string> one_or_many(const py::handle& value, const std::string& name) {
    if (value.is_none()) return {};
    if (is_path(value)) return {path_of(value, name)};
    return paths_of(value, name);
}

}  // namespace

void bind_fit(py::module_& m) {
    py::class_<Model> model = py::reinterpret_borrow<py::class_<Model>>(m.attr("Model"));
    model.def(
        "fit",
        [](Model& self, const py::handle& train, const py::handle& out, std::optional<double> l2,
           const py::handle& val, const py::handle& train_list, const py::handle& val_list, const py::handle& features,
           int folds, std::optional<std::vector<double>> l2_grid, int l2_extra_decades, int prefetch, int batch,
           bool replace) {
            FitOptions o;
            o.train.folders = one_or_many(train, "train");
            o.train.lists = one_or_many(train_list, "train_list");
            o.val.folders = one_or_many(val, "val");
            o.val.lists = one_or_many(val_list, "val_list");
            if (!features.is_none()) o.features = path_of(features, "features");
            o.l2 = l2;
            o.folds = folds;
            if (l2_grid) o.l2_grid = *l2_grid;
            o.l2_extra_decades = l2_extra_decades;
            o.prefetch = prefetch;
            o.batch = batch;
            o.replace = replace;
            const std::string folder = path_of(out, "out");
            FitReport report;
            {
                py::gil_scoped_release release;
                report = self.fit(o, folder);
            }
            py::dict d = py::module_::import("json").attr("loads")(report.json);
            d["folder"] = report.folder;
            return d;
        },
        py::arg("train"), py::arg("out"), py::kw_only(), py::arg("l2") = py::none(), py::arg("val") = py::none(),
        py::arg("train_list") = py::none(), py::arg("val_list") = py::none(), py::arg("features") = py::none(),
        py::arg("folds") = 5, py::arg("l2_grid") = py::none(), py::arg("l2_extra_decades") = 4,
        py::arg("prefetch") = 2, py::arg("batch") = 1, py::arg("replace") = false,
        "Fits a new linear head on this model's features of labelled videos and writes a model folder `out` "
        "(this model's tensors bit for bit except classifier.weight/bias, config.json with the new labels, "
        "fit_report.json). train/val: class folders (one sub-folder of videos per class; a path or a list); "
        "train_list/val_list: JSON Lines {'path', 'label'}; l2: the penalty (L/2)||W||^2 (None: chosen by "
        "k-fold cross-validation over l2_grid and, while its largest L scores best, up to l2_extra_decades "
        "decades above it); features: a `vivid features` output folder to reuse. Returns "
        "fit_report.json's content plus 'folder'.");
}

}  // namespace vivid::python
