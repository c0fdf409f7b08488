#include "models/weight_reader.h"

#include <cstdint>

#include "vivid/vivid.h"

namespace vivid {

const Tensor& WeightReader::find(const std::string& name, const Shape& shape) const {
    auto it = weights_.find(name);
    if (it == weights_.end()) throw Error(source_, "missing weight '" + name + "'");
    taken_.insert(name);
    const Tensor& t = it->second;
    if (t.shape() != shape)
        throw Error(source_, "weight '" + name + "' has shape " + shape_to_string(t.shape()) +
                                 " but the config needs " + shape_to_string(shape));
    if (t.dtype() == DType::I64 || t.dtype() == DType::I32 || t.dtype() == DType::U8 ||
        t.dtype() == DType::Bool)
        throw Error(source_, "weight '" + name + "' has integer dtype " + std::string(dtype_name(t.dtype())));
    return t;
}

Tensor WeightReader::take(const std::string& name, const Shape& shape) const {
    Tensor f = find(name, shape).to_float32();
    return f.writable() ? f : f.contiguous_copy();
}

Tensor WeightReader::view(const std::string& name, const Shape& shape) const {
    const Tensor& t = find(name, shape);
    const bool aligned = reinterpret_cast<std::uintptr_t>(t.raw()) % alignof(float) == 0;
    if (t.dtype() == DType::F32 && t.is_contiguous() && aligned) return t;
    return take(name, shape);
}

std::vector<std::string> WeightReader::untaken() const {
    std::vector<std::string> names;
    for (const auto& [name, tensor] : weights_)
        if (!taken_.count(name)) names.push_back(name);
    return names;
}

}  // namespace vivid
