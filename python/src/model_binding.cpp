// vivid.Model: load, info, classify, pixel_values, forward, mask, features, timeline,
// classify_each. The GIL is released while the library decodes or runs the model.
#include <pybind11/stl.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "numpy_arrays.h"

namespace vivid::python {
namespace {

py::list predictions(const std::vector<Prediction>& ps) {
    py::list out;
    for (const Prediction& p : ps) out.append(py::dict(py::arg("label") = p.label, py::arg("score") = p.score));
    return out;
}

py::dict window_dict(const Window& w) {
    return py::dict(py::arg("start_frame") = w.start_frame, py::arg("end_frame") = w.end_frame,
                    py::arg("start") = w.start, py::arg("end") = w.end);
}

py::dict info_dict(const ModelInfo& i) {
    py::dict d;
    d["folder"] = i.folder;
    d["architecture"] = i.architecture;
    d["model_type"] = i.model_type;
    d["pretraining"] = i.pretraining;
    d["parameters"] = i.parameters;
    d["frames"] = i.frames;
    d["channels"] = i.channels;
    d["image_size"] = i.image_size;
    d["patches"] = i.patches;
    d["hidden_size"] = i.hidden_size;
    d["layers"] = i.layers;
    d["heads"] = i.heads;
    d["norm_pix_loss"] = i.norm_pix_loss;
    d["labels"] = i.labels;
    return d;
}

// A video given as a path, decoded frames uint8 (T, H, W, 3) or pixel_values float32.
template <typename Call>
auto with_video(const py::handle& video, Call call) {
    if (py::isinstance<py::str>(video) || py::hasattr(video, "__fspath__")) {
        const std::string path = py::str(video);
        py::gil_scoped_release release;
        return call(path);
    }
    py::array a = py::array::ensure(video);
    if (!a) throw py::value_error("video must be a path, uint8 frames (T, H, W, 3) or float32 pixel_values");
    if (a.dtype().kind() == 'u') {
        if (a.dtype().itemsize() != 1) throw py::value_error("video frames must be uint8, got " + std::string(py::str(a.dtype())));
        const InPlace<uint8_t> frames = view_numpy<uint8_t>(video, "video", 4);
        py::gil_scoped_release release;
        return call(frames.view);
    }
    const InPlace<float> pv = view_numpy<float>(video, "video", 5);
    py::gil_scoped_release release;
    return call(pv.view);
}

// classify_each as a Python iterator: the library runs on its own thread and hands each
// result over; __next__ waits for one with the GIL released.
class ClassifyEach {
public:
    ClassifyEach(Model& model, std::vector<std::string> videos, int top_k, int prefetch, int batch) {
        worker_ = std::thread([this, &model, videos = std::move(videos), top_k, prefetch, batch] {
            try {
                model.classify_each(videos, top_k, [this](const VideoResult& r) { push(r); }, prefetch, batch);
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex_);
                error_ = e.what();
            }
            std::lock_guard lock(mutex_);
            done_ = true;
            ready_.notify_all();
        });
    }
    ~ClassifyEach() {
        py::gil_scoped_release release;
        if (worker_.joinable()) worker_.join();
    }

    py::dict next() {
        VideoResult r;
        {
            py::gil_scoped_release release;
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return done_ || !results_.empty(); });
            if (results_.empty()) {
                if (!error_.empty()) throw Error("", error_);
                throw py::stop_iteration();
            }
            r = std::move(results_.front());
            results_.pop_front();
        }
        py::dict d;
        d["path"] = r.path;
        if (!r.error.empty()) {
            d["error"] = r.error;
            return d;
        }
        d["labels"] = predictions(r.labels);
        d["frames"] = r.frames;
        d["decode_ms"] = r.decode_ms;
        d["model_ms"] = r.model_ms;
        return d;
    }

private:
    void push(const VideoResult& r) {
        std::lock_guard lock(mutex_);
        results_.push_back(r);
        ready_.notify_all();
    }
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<VideoResult> results_;
    std::string error_;
    bool done_ = false;
    std::thread worker_;
};

Options make_options(int threads, const std::string& precision, int clips, int crops, int frame_sampling_rate,
                     const std::string& sampling, const std::string& preprocessor_config, bool reference_kernels) {
    Options o;
    o.threads = threads;
    o.precision = parse_precision(precision, "precision");
    o.clips = clips;
    o.crops = crops;
    o.frame_sampling_rate = frame_sampling_rate;
    if (sampling != "pipeline" && sampling != "uniform")
        throw py::value_error("sampling must be 'pipeline' or 'uniform', got '" + sampling + "'");
    o.sampling = sampling == "uniform" ? Sampling::Uniform : Sampling::Pipeline;
    o.preprocessor_config = preprocessor_config;
    o.reference_kernels = reference_kernels;
    return o;
}

WindowOptions window_options(int64_t stride, double stride_seconds, double fps, int batch) {
    return {stride, stride_seconds, fps, batch};
}

}  // namespace

void bind_model(py::module_& m) {
    py::class_<ClassifyEach>(m, "_ClassifyEach")
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &ClassifyEach::next);

    py::class_<Model>(m, "Model", "A ViViT or VideoMAE model loaded from a Hugging Face folder.")
        .def_static(
            "load",
            [](const std::string& folder, int threads, const std::string& precision, int clips, int crops,
               int frame_sampling_rate, const std::string& sampling, const std::string& preprocessor_config,
               bool reference_kernels) {
                const Options o = make_options(threads, precision, clips, crops, frame_sampling_rate, sampling,
                                               preprocessor_config, reference_kernels);
                py::gil_scoped_release release;
                return Model::load(folder, o);
            },
            py::arg("folder"), py::arg("threads") = 0, py::arg("precision") = "fp32", py::arg("clips") = 1,
            py::arg("crops") = 1, py::arg("frame_sampling_rate") = 1, py::arg("sampling") = "pipeline",
            py::arg("preprocessor_config") = "", py::arg("reference_kernels") = false,
            "Loads an HF model folder (config.json, model.safetensors or pytorch_model.bin, "
            "preprocessor_config.json). threads=0: all the process may use; precision 'fp32', 'bf16' or 'int8'.")
        .def_property_readonly("info", [](const Model& self) { return info_dict(self.info()); },
                               "The model: architecture, model_type, labels, frames, image_size, parameters, ...")
        .def(
            "classify",
            [](Model& self, const py::handle& video, int top_k) {
                const auto ps = with_video(video, [&](const auto& v) { return self.classify(v, top_k); });
                return predictions(ps);
            },
            py::arg("video"), py::arg("top_k") = 5,
            "Top-k labels as the HF video-classification pipeline gives them: [{'label', 'score'}, ...]. video: a "
            "path, decoded frames uint8 (T, H, W, 3) (already sampled) or pixel_values float32 (K, T, C, H, W).")
        .def(
            "pixel_values",
            [](Model& self, const py::handle& video) {
                FloatArray out;
                if (py::isinstance<py::array>(video)) {
                    const ByteArray frames = from_numpy<uint8_t>(video, "video", 4);
                    py::gil_scoped_release release;
                    out = self.pixel_values(frames);
                } else {
                    const std::string path = py::str(video);
                    py::gil_scoped_release release;
                    out = self.pixel_values(path);
                }
                return to_numpy(std::move(out));
            },
            py::arg("video"), "The preprocessed clips of a video, float32 (clips, T, C, H, W), as HF's processor makes them.")
        .def(
            "forward",
            [](Model& self, const py::handle& pixel_values, const py::object& bool_masked_pos) {
                const InPlace<float> pv = view_numpy<float>(pixel_values, "pixel_values", 5);
                std::optional<InPlace<uint8_t>> mask;
                if (!bool_masked_pos.is_none()) {
                    py::array a = py::array::ensure(bool_masked_pos);
                    if (a && a.dtype().kind() == 'b') a = a.attr("view")("uint8");  // same bytes, 0/1
                    mask = view_numpy<uint8_t>(a, "bool_masked_pos", 2);
                }
                Outputs out;
                {
                    py::gil_scoped_release release;
                    out = self.forward(pv.view, mask ? &mask->view : nullptr);
                }
                py::dict d;
                d["logits"] = to_numpy(std::move(out.logits));
                d["loss"] = out.loss ? py::cast(*out.loss) : py::none();
                return d;
            },
            py::arg("pixel_values"), py::arg("bool_masked_pos") = py::none(),
            "The model's forward: {'logits': float32 array, 'loss': float or None}. Pre-training models need "
            "bool_masked_pos (batch, patches), True = hidden, the same count per row.")
        .def(
            "mask",
            [](const Model& self, int64_t batch, double ratio, uint64_t seed, const std::string& masking) {
                if (masking != "tube" && masking != "random")
                    throw py::value_error("masking must be 'tube' or 'random', got '" + masking + "'");
                return to_numpy(self.mask(batch, ratio, seed, masking == "tube" ? Masking::Tube : Masking::Random));
            },
            py::arg("batch"), py::arg("ratio"), py::arg("seed") = 0, py::arg("masking") = "tube",
            "A pre-training mask uint8 (batch, patches), 1 = hidden (tube: VideoMAE's, the same patches per slot).")
        .def(
            "features",
            [](Model& self, const std::string& video, int64_t stride, double stride_seconds, double fps, int batch) {
                WindowFeatures f;
                {
                    py::gil_scoped_release release;
                    f = self.features(video, window_options(stride, stride_seconds, fps, batch));
                }
                py::list windows;
                for (const Window& w : f.windows) windows.append(window_dict(w));
                return py::dict(py::arg("windows") = windows, py::arg("vectors") = to_numpy(std::move(f.vectors)),
                                py::arg("fps") = f.fps);
            },
            py::arg("video"), py::arg("stride") = 0, py::arg("stride_seconds") = 0.0, py::arg("fps") = 0.0,
            py::arg("batch") = 1,
            "One vector per sliding window (the one the classifier reads): {'windows': [{'start_frame', "
            "'end_frame', 'start', 'end'}], 'vectors': float32 (windows, hidden), 'fps'}.")
        .def(
            "timeline",
            [](Model& self, const std::string& video, int top_k, int64_t stride, double stride_seconds, double fps,
               int batch) {
                Timeline t;
                {
                    py::gil_scoped_release release;
                    t = self.timeline(video, window_options(stride, stride_seconds, fps, batch), top_k);
                }
                py::list windows, segments;
                for (const LabelledWindow& w : t.windows) {
                    py::dict d = window_dict(w.window);
                    d["labels"] = predictions(w.labels);
                    windows.append(d);
                }
                for (const Segment& s : t.segments)
                    segments.append(py::dict(py::arg("start") = s.start, py::arg("end") = s.end,
                                             py::arg("label") = s.label, py::arg("score") = s.score));
                return py::dict(py::arg("windows") = windows, py::arg("segments") = segments, py::arg("fps") = t.fps);
            },
            py::arg("video"), py::arg("top_k") = 5, py::arg("stride") = 0, py::arg("stride_seconds") = 0.0,
            py::arg("fps") = 0.0, py::arg("batch") = 1,
            "Labels per sliding window and the segments of equal top label: {'windows', 'segments', 'fps'}.")
        .def(
            "classify_each",
            [](Model& self, std::vector<std::string> videos, int top_k, int prefetch, int batch) {
                return std::make_unique<ClassifyEach>(self, std::move(videos), top_k, prefetch, batch);
            },
            py::arg("videos"), py::arg("top_k") = 5, py::arg("prefetch") = 2, py::arg("batch") = 1,
            py::keep_alive<0, 1>(),
            "Classifies many videos, decoding ahead on a second thread: an iterator of {'path', 'labels', "
            "'frames', 'decode_ms', 'model_ms'} or {'path', 'error'}, in order. Use the model for nothing else "
            "until it is exhausted.")
        .def("flops", &Model::flops, py::arg("batch") = 1, py::arg("masked") = 0,
             "FLOPs of one forward (1 multiply-add = 2 FLOP).")
        .def("implementations", &Model::implementations,
             "The implementation each layer kind has run with ('ref...' would be oneDNN's slow reference loop).");
}

}  // namespace vivid::python
