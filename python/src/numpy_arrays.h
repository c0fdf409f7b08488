// numpy <-> vivid arrays. Outputs are handed to numpy without a copy (a capsule owns the
// vector); inputs are read in place (ArrayView) when C-contiguous and of the right dtype, and
// converted once otherwise. Wrong shapes or dtypes are ValueErrors naming the argument.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "vivid/vivid.h"

namespace vivid::python {

namespace py = pybind11;

template <typename T>
py::array_t<T> to_numpy(Array<T>&& a) {
    auto* values = new std::vector<T>(std::move(a.values));
    py::capsule owner(values, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(a.shape, values->data(), owner);
}

// An input read in place: `array` keeps the memory alive (and is the converted copy when the
// caller's was of another dtype or layout) while `view` points into it.
template <typename T>
struct InPlace {
    py::array_t<T, py::array::c_style | py::array::forcecast> array;
    ArrayView<T> view;
};

// `value` as a view of `ndim` dimensions (any when 0); `name` goes into the ValueError.
template <typename T>
InPlace<T> view_numpy(const py::handle& value, const char* name, int ndim) {
    py::array array = py::array::ensure(value);
    if (!array) throw py::value_error(std::string(name) + " must be a numpy array");
    const char kind = array.dtype().kind();
    const bool numeric = kind == 'f' || kind == 'i' || kind == 'u' || kind == 'b';
    if (!numeric) throw py::value_error(std::string(name) + " must be " + std::string(py::str(py::dtype::of<T>())) +
                                        ", got " + std::string(py::str(array.dtype())));
    if (ndim > 0 && array.ndim() != ndim)
        throw py::value_error(std::string(name) + " must have " + std::to_string(ndim) + " dimensions, got " +
                              std::to_string(array.ndim()));
    InPlace<T> in{py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(array), {}};  // no copy if it fits
    in.view.data = in.array.data();
    for (py::ssize_t i = 0; i < in.array.ndim(); ++i) in.view.shape.push_back(in.array.shape(i));
    return in;
}

// A copy, for the calls whose library side takes owned arrays (verify, frames for pixel_values).
template <typename T>
Array<T> copy_of(const InPlace<T>& in) {
    return {in.view.shape, std::vector<T>(in.view.data, in.view.data + in.array.size())};
}

}  // namespace vivid::python
