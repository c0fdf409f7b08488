#include "api/arrays.h"

#include <cstring>

namespace vivid {
namespace {

// Someone else's bytes, kept alive by them for the length of a call.
class BorrowedStorage final : public Storage {
public:
    BorrowedStorage(const void* data, std::size_t size)
        : data_(static_cast<std::byte*>(const_cast<void*>(data))), size_(size) {}
    std::byte* data() override { return data_; }
    std::size_t size() const override { return size_; }
    bool writable() const override { return false; }

private:
    std::byte* data_;
    std::size_t size_;
};

template <typename T>
Tensor view_array(const Array<T>& array, DType dtype, const std::string& what) {
    for (int64_t d : array.shape)
        if (d < 0) throw Error(what, "has a negative dimension in shape " + shape_to_string(array.shape));
    if (shape_numel(array.shape) != static_cast<int64_t>(array.values.size()))
        throw Error(what, "holds " + std::to_string(array.values.size()) + " values but its shape " +
                              shape_to_string(array.shape) + " needs " + std::to_string(shape_numel(array.shape)));
    auto storage = std::make_shared<BorrowedStorage>(array.values.data(), array.values.size() * sizeof(T));
    return Tensor::view(std::move(storage), 0, dtype, array.shape);
}

template <typename T>
Tensor view_pointer(const ArrayView<T>& view, DType dtype, const std::string& what) {
    const std::optional<int64_t> n = checked_numel(view.shape);
    if (!n) throw Error(what, "has an impossible shape " + shape_to_string(view.shape));
    if (*n > 0 && !view.data) throw Error(what, "holds no values but its shape " + shape_to_string(view.shape) + " needs " + std::to_string(*n));
    auto storage = std::make_shared<BorrowedStorage>(view.data, static_cast<std::size_t>(*n) * sizeof(T));
    return Tensor::view(std::move(storage), 0, dtype, view.shape);
}

template <typename T>
Array<T> copy_out(const Tensor& dense) {
    Array<T> out{dense.shape(), std::vector<T>(static_cast<std::size_t>(dense.numel()))};
    std::memcpy(out.values.data(), dense.raw(), dense.nbytes());
    return out;
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : t.contiguous_copy(); }

}  // namespace

Tensor view_of(const FloatArray& array, const std::string& what) { return view_array(array, DType::F32, what); }
Tensor view_of(const ByteArray& array, const std::string& what) { return view_array(array, DType::U8, what); }
Tensor view_of(const IndexArray& array, const std::string& what) { return view_array(array, DType::I64, what); }
Tensor view_of(const FloatView& view, const std::string& what) { return view_pointer(view, DType::F32, what); }
Tensor view_of(const ByteView& view, const std::string& what) { return view_pointer(view, DType::U8, what); }

FloatArray float_array(const Tensor& tensor) {
    return copy_out<float>(tensor.dtype() == DType::F32 ? contiguous(tensor) : tensor.to_float32());
}

ByteArray byte_array(const Tensor& tensor) {
    const Tensor dense = contiguous(tensor);
    if (dense.dtype() == DType::U8 || dense.dtype() == DType::Bool) {
        ByteArray out = copy_out<uint8_t>(dense);
        if (dense.dtype() == DType::Bool)
            for (uint8_t& v : out.values) v = v != 0;
        return out;
    }
    throw std::logic_error("byte_array: not a byte tensor");
}

IndexArray index_array(const Tensor& tensor) {
    const Tensor dense = contiguous(tensor);
    if (dense.dtype() == DType::I64) return copy_out<int64_t>(dense);
    if (dense.dtype() == DType::I32) {
        IndexArray out{dense.shape(), {}};
        for (int32_t v : dense.span<int32_t>()) out.values.push_back(v);
        return out;
    }
    throw std::logic_error("index_array: not an index tensor");
}

}  // namespace vivid
