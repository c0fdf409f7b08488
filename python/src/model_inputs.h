// What Python passes as a model's inputs: paths (str, bytes or os.PathLike), videos (a path,
// decoded frames or pixel_values) and masks, checked against the model before the library sees
// them. A value of the wrong kind is a TypeError, an array of the wrong dtype or shape a
// ValueError; each says what is accepted and describes what came by its type, dtype and shape,
// never by its values (an array's repr would print it whole).
#pragma once

#include <optional>
#include <string>

#include "numpy_arrays.h"

namespace vivid::python {

// "list", "int", "ndarray": a value named by its type.
inline std::string type_name(const py::handle& value) {
    return py::str(py::type::of(value).attr("__name__")).cast<std::string>();
}

// "float64 array of shape (8, 32, 32, 3)".
inline std::string describe(const py::array& a) {
    std::string shape;
    for (py::ssize_t i = 0; i < a.ndim(); ++i) shape += (i ? ", " : "") + std::to_string(a.shape(i));
    if (a.ndim() == 1) shape += ",";
    return std::string(py::str(a.dtype())) + " array of shape (" + shape + ")";
}

inline bool is_path(const py::handle& value) {
    return py::isinstance<py::str>(value) || py::isinstance<py::bytes>(value) || py::hasattr(value, "__fspath__");
}

// A path as the file system spells it (os.fsencode: str, bytes or os.PathLike such as
// pathlib.Path); anything else is a TypeError naming `name`.
inline std::string path_of(const py::handle& value, const std::string& name) {
    if (!is_path(value))
        throw py::type_error(name + " must be a path (str or os.PathLike), got " + type_name(value));
    return py::bytes(py::module_::import("os").attr("fsencode")(value)).cast<std::string>();
}

// A list (any iterable) of paths; a single path is refused rather than read letter by letter.
inline std::vector<std::string> paths_of(const py::handle& values, const std::string& name) {
    if (is_path(values) || !py::isinstance<py::iterable>(values))
        throw py::type_error(name + " must be a list of paths (str or os.PathLike), got " + type_name(values));
    std::vector<std::string> paths;
    for (const py::handle& v : values) paths.push_back(path_of(v, name + "[" + std::to_string(paths.size()) + "]"));
    return paths;
}

// "float32 (batch, 8, 3, 224, 224)": the pixel_values the model takes.
inline std::string pixel_values_accepted(const ModelInfo& info, const char* batch) {
    return "float32 (" + std::string(batch) + ", " + std::to_string(info.frames) + ", " + std::to_string(info.channels) +
           ", " + std::to_string(info.image_size) + ", " + std::to_string(info.image_size) + ")";
}

inline bool pixel_values_fit(const ModelInfo& info, const py::array& a) {
    return a.ndim() == 5 && a.shape(0) >= 1 && a.shape(1) == info.frames && a.shape(2) == info.channels &&
           a.shape(3) == info.image_size && a.shape(4) == info.image_size;
}

// pixel_values (batch, T, C, H, W) of this model's T, C and size, as float32 (converted once
// when of another float or integer dtype).
inline InPlace<float> pixel_values_of(const py::handle& value, const ModelInfo& info) {
    // A nested list is converted as numpy would; a path or a number is no array at all.
    if (!py::isinstance<py::array>(value) && (is_path(value) || !py::isinstance<py::sequence>(value)))
        throw py::type_error("pixel_values must be a numpy array, " + pixel_values_accepted(info, "batch") + ", got " +
                             type_name(value));
    const py::array a = py::array::ensure(value);
    if (!a) throw py::value_error("pixel_values must be a numpy array, " + pixel_values_accepted(info, "batch"));
    const char kind = a.dtype().kind();
    if ((kind != 'f' && kind != 'i' && kind != 'u') || !pixel_values_fit(info, a))
        throw py::value_error("pixel_values must be " + pixel_values_accepted(info, "batch") + ", got " + describe(a));
    return view_numpy<float>(a, "pixel_values", 5);
}

// bool_masked_pos (batch, patches) of a pre-training model, bool or uint8 (1 = hidden).
inline InPlace<uint8_t> mask_of(const py::handle& value, const ModelInfo& info, int64_t batch) {
    if (!info.pretraining)
        throw py::value_error("bool_masked_pos was given but " + info.architecture +
                              " takes none (only a pre-training model reconstructs masked patches)");
    const std::string accepted = "bool or uint8 (" + std::to_string(batch) + ", " + std::to_string(info.patches) +
                                 "): a row of patches per clip, True = hidden";
    py::array a = py::array::ensure(value);
    if (!a) throw py::type_error("bool_masked_pos must be a numpy array, " + accepted + ", got " + type_name(value));
    const char kind = a.dtype().kind();
    if ((kind != 'b' && kind != 'u' && kind != 'i') || a.ndim() != 2 || a.shape(0) != batch ||
        a.shape(1) != info.patches)
        throw py::value_error("bool_masked_pos must be " + accepted + ", got " + describe(a));
    if (kind == 'b') a = a.attr("view")("uint8");  // the same bytes, 0/1
    return view_numpy<uint8_t>(a, "bool_masked_pos", 2);
}

// A `video` argument: a path, decoded frames uint8 (T, H, W, 3) or (where taken) pixel_values.
struct VideoInput {
    std::string path;                            // a str or os.PathLike; else one of:
    std::optional<InPlace<uint8_t>> frames;      // uint8 (T, H, W, 3)
    std::optional<InPlace<float>> pixel_values;  // float32 (clips, T, C, H, W)
};

struct VideoKinds {
    int64_t frames = 0;          // the frame count decoded frames must have; 0: any (a long video)
    bool pixel_values = false;   // float pixel_values are taken too
};

inline VideoInput video_of(const py::handle& value, const ModelInfo& info, VideoKinds kinds) {
    const std::string t = kinds.frames > 0 ? std::to_string(kinds.frames) : "T";
    std::string accepted = "a path (str or os.PathLike), decoded frames uint8 (" + t + ", H, W, 3)" +
                           (kinds.frames > 0 ? " already sampled" : "");
    if (kinds.pixel_values) accepted += " or pixel_values " + pixel_values_accepted(info, "clips");
    VideoInput in;
    if (is_path(value)) {
        in.path = path_of(value, "video");
        return in;
    }
    if (!py::isinstance<py::array>(value)) throw py::type_error("video must be " + accepted + ", got " + type_name(value));
    const py::array a = py::reinterpret_borrow<py::array>(value);
    const py::dtype dtype = a.dtype();
    if (dtype.kind() == 'u' && dtype.itemsize() == 1 && a.ndim() == 4 && a.shape(3) == 3 && a.shape(0) >= 1 &&
        a.shape(1) >= 1 && a.shape(2) >= 1 && (kinds.frames == 0 || a.shape(0) == kinds.frames)) {
        in.frames = view_numpy<uint8_t>(a, "video", 4);
        return in;
    }
    if (kinds.pixel_values && dtype.kind() == 'f' && pixel_values_fit(info, a)) {
        in.pixel_values = view_numpy<float>(a, "video", 5);
        return in;
    }
    throw py::value_error("video must be " + accepted + ", got " + describe(a));
}

}  // namespace vivid::python
