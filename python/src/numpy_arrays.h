// numpy <-> vivid arrays. Outputs are handed to numpy without a copy (a capsule owns the
// vector); inputs are read from C-contiguous arrays of the right dtype directly into the one
// copy the library's Array needs, and converted once otherwise. Wrong shapes or dtypes are
// ValueErrors naming the argument.
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

// `value` as an Array<T> of `ndim` dimensions (any when 0); `name` goes into the ValueError.
template <typename T>
Array<T> from_numpy(const py::handle& value, const char* name, int ndim) {
    py::array array = py::array::ensure(value);
    if (!array) throw py::value_error(std::string(name) + " must be a numpy array");
    if (!py::isinstance<py::array_t<T>>(array) && !(array.dtype().kind() == py::dtype::of<T>().kind()))
        throw py::value_error(std::string(name) + " must be " + std::string(py::str(py::dtype::of<T>())) +
                              ", got " + std::string(py::str(array.dtype())));
    if (ndim > 0 && array.ndim() != ndim)
        throw py::value_error(std::string(name) + " must have " + std::to_string(ndim) + " dimensions, got " +
                              std::to_string(array.ndim()));
    auto contiguous = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(array);
    Array<T> out;
    for (py::ssize_t i = 0; i < contiguous.ndim(); ++i) out.shape.push_back(contiguous.shape(i));
    out.values.assign(contiguous.data(), contiguous.data() + contiguous.size());
    return out;
}

}  // namespace vivid::python
