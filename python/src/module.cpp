// The `vivid` Python module (pybind11) over vivid/vivid.h only: a thin layer with no logic the
// library lacks. Errors are vivid.Error, a RuntimeError carrying the library's message.
#include <pybind11/stl.h>

#include "model_inputs.h"

namespace vivid::python {

void bind_model(py::module_& m);
void bind_fit(py::module_& m);  // after bind_model: it adds Model.fit

namespace {

py::list checks(const std::vector<Check>& cs) {
    py::list out;
    for (const Check& c : cs)
        out.append(py::dict(py::arg("passed") = c.passed, py::arg("max_difference") = c.max_difference,
                            py::arg("line") = c.line));
    return out;
}

}  // namespace

PYBIND11_MODULE(_vivid, m) {
    m.doc() = "vivid: ViViT and VideoMAE on the CPU, from video files or numpy arrays.";
    py::register_exception<Error>(m, "Error", PyExc_RuntimeError);
    m.attr("__version__") = version();
    bind_model(m);
    bind_fit(m);

    m.def(
        "convert",
        [](const py::handle& checkpoint, const py::handle& out, const std::string& from, const std::string& preset,
           const py::handle& config, const py::handle& preprocessor_config, const std::string& labels, bool replace) {
            ConvertOptions o;
            o.from = parse_checkpoint_format(from, "from");
            o.checkpoint = path_of(checkpoint, "checkpoint");
            o.preset = preset;
            o.config = path_of(config, "config");
            o.preprocessor_config = path_of(preprocessor_config, "preprocessor_config");
            o.labels = labels;
            o.replace = replace;
            const std::string folder = path_of(out, "out");
            ConvertResult r;
            {
                py::gil_scoped_release release;
                r = convert(o, folder);
            }
            return py::dict(py::arg("architecture") = r.architecture, py::arg("tensors") = r.tensors,
                            py::arg("warnings") = r.warnings);
        },
        py::arg("checkpoint"), py::arg("out"), py::arg("from_format") = "videomae-pth", py::arg("preset") = "",
        py::arg("config") = "", py::arg("preprocessor_config") = "", py::arg("labels") = "", py::arg("replace") = false,
        "Converts an original checkpoint (from_format 'vivit-flax' or 'videomae-pth') into an HF model folder "
        "`out`, tensor for tensor as transformers' scripts do; give a preset name or an HF config.json. labels "
        "'kinetics400' or 'kinetics600' keeps those classes of a Kinetics-710 head (VideoMAE V2). Paths are "
        "str or os.PathLike.");

    m.def(
        "convert_presets",
        [] {
            py::list out;
            for (const PresetInfo& p : convert_presets())
                out.append(py::dict(py::arg("name") = p.name, py::arg("format") = p.format,
                                    py::arg("has_reference_values") = p.has_reference_values,
                                    py::arg("frame_sampling_rate") = p.frame_sampling_rate));
            return out;
        },
        "The released models convert knows by name.");

    m.def(
        "verify",
        [](Model& model, const py::handle& pixel_values, const std::vector<float>& expected_logits,
           const py::object& bool_masked_pos, std::optional<float> expected_loss, double atol) {
            const FloatArray pv = copy_of(pixel_values_of(pixel_values, model.info()));
            std::optional<ByteArray> mask;
            if (!bool_masked_pos.is_none()) mask = copy_of(mask_of(bool_masked_pos, model.info(), pv.shape[0]));
            std::vector<Check> cs;
            {
                py::gil_scoped_release release;
                cs = verify(model, pv, mask ? &*mask : nullptr, expected_logits, expected_loss, atol);
            }
            return checks(cs);
        },
        py::arg("model"), py::arg("pixel_values"), py::arg("expected_logits"), py::arg("bool_masked_pos") = py::none(),
        py::arg("expected_loss") = py::none(), py::arg("atol") = 1e-4,
        "Runs the model and compares the leading logits (and the loss) with expected values: "
        "[{'passed', 'max_difference', 'line'}].");
}

}  // namespace vivid::python
