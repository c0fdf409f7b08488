// vivid's public safetensors reading and writing, by element type.
#include "api/arrays.h"
#include "formats/safetensors.h"
#include "core/atomic_output.h"
#include "formats/npy.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

bool is_float(DType t) { return t == DType::F32 || t == DType::BF16 || t == DType::F16; }
bool is_byte(DType t) { return t == DType::U8 || t == DType::Bool; }
bool is_index(DType t) { return t == DType::I64 || t == DType::I32; }

const Tensor& named(const TensorMap& tensors, const std::string& path, const std::string& name) {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw Error(path, "has no tensor named '" + name + "'");
    return it->second;
}

}  // namespace

TensorFile read_tensor_file(const std::string& path) {
    TensorFile out;
    for (const auto& [name, t] : read_safetensors(path)) {
        if (is_float(t.dtype())) out.floats.emplace_back(name, float_array(t));
        else if (is_byte(t.dtype())) out.bytes.emplace_back(name, byte_array(t));
        else if (is_index(t.dtype())) out.indices.emplace_back(name, index_array(t));
    }
    return out;
}

FloatArray read_float_tensor(const std::string& path, const std::string& name) {
    const TensorMap tensors = read_safetensors(path);
    const Tensor& t = named(tensors, path, name);
    if (!is_float(t.dtype()))
        throw Error(path, "tensor '" + name + "' is " + std::string(dtype_name(t.dtype())) + ", not floating point");
    return float_array(t);
}

ByteArray read_byte_tensor(const std::string& path, const std::string& name) {
    const TensorMap tensors = read_safetensors(path);
    const Tensor& t = named(tensors, path, name);
    if (!is_byte(t.dtype()))
        throw Error(path, "tensor '" + name + "' is " + std::string(dtype_name(t.dtype())) + ", not uint8 or bool");
    return byte_array(t);
}

void write_tensor_file(const std::string& path, const TensorFile& tensors) {
    TensorMap map;
    auto add = [&](const std::string& name, Tensor t) {
        if (!map.emplace(name, std::move(t)).second) throw Error(path, "tensor '" + name + "' is given twice");
    };
    for (const auto& [name, a] : tensors.floats) add(name, view_of(a, name));
    for (const auto& [name, a] : tensors.bytes) add(name, view_of(a, name));
    for (const auto& [name, a] : tensors.indices) add(name, view_of(a, name));
    write_safetensors(path, map);
}

void write_npy_file(const std::string& path, const FloatArray& array) { write_npy(path, view_of(array, path)); }

void write_text_file(const std::string& path, const std::string& text) { write_output_file(path, text); }

}  // namespace vivid
