// vivid.Model: load, info, classify, pixel_values, forward, mask, features, timeline,
// classify_each. The GIL is released while the library decodes or runs the model.
#include <pybind11/stl.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "model_inputs.h"

namespace vivid::python {
namespace {

py::list predictions(const std::vector<Prediction>& ps) {
    py::list out;
    for (const Prediction& p : ps) out.append(py::dict(py::arg("label") = p.label, py::arg("score") = p.score));
    return out;
}

// A split model's answer: {"noun": [...], "verb": [...], "joint": [...]}, heads in config order.
py::dict heads_dict(const std::vector<HeadPredictions>& heads) {
    py::dict out;
    for (const HeadPredictions& h : heads) out[py::str(h.head)] = predictions(h.labels);
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
    py::list heads;
    for (const LabelHead& h : i.label_heads) heads.append(py::dict(py::arg("name") = h.name, py::arg("size") = h.size));
    d["label_heads"] = heads;
    d["temporal_layers"] = i.temporal_layers;
    return d;
}

// Runs `call` on a video given as a path, decoded frames or pixel_values, with the GIL released.
template <typename Call>
auto with_video(const VideoInput& video, Call call) {
    py::gil_scoped_release release;
    if (video.frames) return call(video.frames->view);
    if (video.pixel_values) return call(video.pixel_values->view);
    return call(video.path);
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
        d["labels"] = r.heads.empty() ? py::object(predictions(r.labels)) : py::object(heads_dict(r.heads));
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

// The window options as the CLI's flags take them: a stride in frames or in seconds, not both;
// frames in memory need their frame rate.
WindowOptions window_options(const VideoInput& video, int64_t stride, double stride_seconds, double fps, int batch,
                             const std::string& recipe = "hf-pipeline") {
    if (stride > 0 && stride_seconds > 0)
        throw py::value_error("give stride (frames between window starts) or stride_seconds, not both");
    if (video.frames && !(fps > 0))
        throw py::value_error("fps must be given with an array of frames: their frame rate (they have no timestamps)");
    WindowOptions o{stride, stride_seconds, fps, batch};
    o.recipe = parse_feature_recipe(recipe, "recipe");
    return o;
}

py::dict timeline_dict(const Timeline& t) {
    py::list windows, segments;
    for (const LabelledWindow& w : t.windows) {
        py::dict d = window_dict(w.window);
        d["labels"] = predictions(w.labels);
        windows.append(d);
    }
    for (const Segment& s : t.segments)
        segments.append(py::dict(py::arg("start") = s.start, py::arg("end") = s.end, py::arg("label") = s.label,
                                 py::arg("score") = s.score));
    return py::dict(py::arg("windows") = windows, py::arg("segments") = segments, py::arg("fps") = t.fps);
}

}  // namespace

void bind_model(py::module_& m) {
    py::class_<ClassifyEach>(m, "_ClassifyEach")
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &ClassifyEach::next);

    py::class_<Model>(m, "Model",
                      "A ViViT or VideoMAE model loaded from a Hugging Face model folder (Model.load).\n\n"
                      "One Model may be shared by several Python threads: calls on it are safe and each answers as "
                      "if it were alone. The GIL is released while vivid decodes or runs the model, so other "
                      "threads go on meanwhile.\n\n"
                      "A video is a path (str or os.PathLike: anything FFmpeg reads, or a .npy uint8 (T, H, W, 3) "
                      "array of frames) or a numpy array of decoded frames uint8 (T, H, W, 3); classify also takes "
                      "pixel_values float32 (clips, T, C, H, W). A value of another kind is a TypeError, an array "
                      "of the wrong dtype or shape a ValueError; what vivid cannot read is a vivid.Error.")
        .def_static(
            "load",
            [](const py::handle& folder, int threads, const std::string& precision, int clips, int crops,
               int frame_sampling_rate, const std::string& sampling, const py::handle& preprocessor_config,
               bool reference_kernels) {
                const std::string path = path_of(folder, "folder");
                const Options o = make_options(threads, precision, clips, crops, frame_sampling_rate, sampling,
                                               path_of(preprocessor_config, "preprocessor_config"), reference_kernels);
                py::gil_scoped_release release;
                return Model::load(path, o);
            },
            py::arg("folder"), py::arg("threads") = 0, py::arg("precision") = "fp32", py::arg("clips") = 1,
            py::arg("crops") = 1, py::arg("frame_sampling_rate") = 0, py::arg("sampling") = "pipeline",
            py::arg("preprocessor_config") = "", py::arg("reference_kernels") = false,
            "Loads a local HF model folder (str or os.PathLike holding config.json, model.safetensors or "
            "pytorch_model.bin, preprocessor_config.json); not a hub id: nothing is downloaded. threads=0: all the "
            "process may use; precision 'fp32', 'bf16' or 'int8'; preprocessor_config: a path instead of the "
            "folder's.")
        .def_property_readonly("info", [](const Model& self) { return info_dict(self.info()); },
                               "The model: architecture, model_type, labels, frames, image_size, parameters, ...")
        .def(
            "classify",
            [](Model& self, const py::handle& video, int top_k) {
                const VideoInput in = video_of(video, self.info(), {self.info().frames, true});
                if (!self.info().label_heads.empty())
                    return py::object(heads_dict(with_video(in, [&](const auto& v) { return self.classify_heads(v, top_k); })));
                return py::object(predictions(with_video(in, [&](const auto& v) { return self.classify(v, top_k); })));
            },
            py::arg("video"), py::arg("top_k") = 5,
            "Top-k labels as the HF video-classification pipeline gives them: [{'label', 'score'}, ...]; a model with "
            "split heads (info['label_heads']) answers {'noun': [...], 'verb': [...], 'joint': [...]}. video: a "
            "path (str or os.PathLike), decoded frames uint8 (T, H, W, 3) already sampled (T = info['frames']) or "
            "pixel_values float32 (clips, T, C, H, W).")
        .def(
            "pixel_values",
            [](Model& self, const py::handle& video) {
                const VideoInput in = video_of(video, self.info(), {self.info().frames, false});
                std::optional<ByteArray> frames;  // the library takes frames as an owned array here
                if (in.frames) frames = copy_of(*in.frames);
                FloatArray out;
                {
                    py::gil_scoped_release release;
                    out = frames ? self.pixel_values(*frames) : self.pixel_values(in.path);
                }
                return to_numpy(std::move(out));
            },
            py::arg("video"),
            "The preprocessed clips of a video, float32 (clips, T, C, H, W), as HF's processor makes them. video: a "
            "path (str or os.PathLike) or decoded frames uint8 (T, H, W, 3) already sampled (T = info['frames']).")
        .def(
            "forward",
            [](Model& self, const py::handle& pixel_values, const py::object& bool_masked_pos) {
                const InPlace<float> pv = pixel_values_of(pixel_values, self.info());
                std::optional<InPlace<uint8_t>> mask;
                if (!bool_masked_pos.is_none()) mask = mask_of(bool_masked_pos, self.info(), pv.view.shape[0]);
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
            "The model's forward: {'logits': float32 array, 'loss': float or None}. pixel_values: float32 "
            "(batch, T, C, H, W). Pre-training models need bool_masked_pos, bool or uint8 (batch, patches), "
            "True = hidden, the same count per row; a classifier takes none.")
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
            [](Model& self, const py::handle& video, int64_t stride, double stride_seconds, double fps, int batch,
               const std::string& recipe) {
                const VideoInput in = video_of(video, self.info(), {});
                const WindowOptions o = window_options(in, stride, stride_seconds, fps, batch, recipe);
                WindowFeatures f;
                {
                    py::gil_scoped_release release;
                    f = in.frames ? self.features(in.frames->view, o) : self.features(in.path, o);
                }
                py::list windows;
                for (const Window& w : f.windows) windows.append(window_dict(w));
                return py::dict(py::arg("windows") = windows, py::arg("vectors") = to_numpy(std::move(f.vectors)),
                                py::arg("fps") = f.fps);
            },
            py::arg("video"), py::arg("stride") = 0, py::arg("stride_seconds") = 0.0, py::arg("fps") = 0.0,
            py::arg("batch") = 1, py::arg("recipe") = "hf-pipeline",
            "One vector per sliding window (the one the classifier reads): {'windows': [{'start_frame', "
            "'end_frame', 'start', 'end'}], 'vectors': float32 (windows, hidden), 'fps'}. video: a path (str or "
            "os.PathLike) or decoded frames uint8 (T, H, W, 3) of any length; a .npy file or frames need fps (their "
            "frame rate). stride (frames) or stride_seconds, not both; default: a window's span. recipe "
            "'videomae-v2-tad': VideoMAE V2's extract_tad_feature.py (consecutive frames every 4, frames/255 "
            "squashed with torch's bilinear, no mean/std).")
        .def(
            "timeline",
            [](Model& self, const py::handle& video, int top_k, int64_t stride, double stride_seconds, double fps,
               int batch) {
                const VideoInput in = video_of(video, self.info(), {});
                const WindowOptions o = window_options(in, stride, stride_seconds, fps, batch);
                Timeline t;
                {
                    py::gil_scoped_release release;
                    t = in.frames ? self.timeline(in.frames->view, o, top_k) : self.timeline(in.path, o, top_k);
                }
                return timeline_dict(t);
            },
            py::arg("video"), py::arg("top_k") = 5, py::arg("stride") = 0, py::arg("stride_seconds") = 0.0,
            py::arg("fps") = 0.0, py::arg("batch") = 1,
            "Labels per sliding window and the segments of equal top label: {'windows', 'segments', 'fps'}. video, "
            "stride, stride_seconds and fps as for features.")
        .def(
            "classify_each",
            [](Model& self, const py::handle& videos, int top_k, int prefetch, int batch) {
                return std::make_unique<ClassifyEach>(self, paths_of(videos, "videos"), top_k, prefetch, batch);
            },
            py::arg("videos"), py::arg("top_k") = 5, py::arg("prefetch") = 2, py::arg("batch") = 1,
            py::keep_alive<0, 1>(),
            "Classifies many videos (a list of paths, str or os.PathLike), decoding ahead on a second thread: an "
            "iterator of {'path', 'labels', 'frames', 'decode_ms', 'model_ms'} or {'path', 'error'}, in order. "
            "Other calls on the model may run meanwhile.")
        .def("flops", &Model::flops, py::arg("batch") = 1, py::arg("masked") = 0,
             "FLOPs of one forward (1 multiply-add = 2 FLOP).")
        .def("implementations", &Model::implementations,
             "The implementation each layer kind has run with ('ref...' would be oneDNN's slow reference loop).");
}

}  // namespace vivid::python
