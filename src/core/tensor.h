// Tensor: a dtype, a shape, strides (in elements) and shared storage.
// Storage is either a 64-byte aligned owned buffer or a read-only view into a mapped file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vivid {

enum class DType { F32, BF16, F16, I64, I32, U8, Bool };

std::size_t dtype_size(DType dtype);
// Names as safetensors spells them: F32, BF16, F16, I64, I32, U8, BOOL.
std::string_view dtype_name(DType dtype);
// Parses a safetensors dtype name; returns false for names vivid does not support.
bool parse_dtype_name(std::string_view name, DType& out);

using Shape = std::vector<int64_t>;
std::string shape_to_string(const Shape& shape);
int64_t shape_numel(const Shape& shape);
// Tensors vivid makes or reads hold at most this many elements (any dtype's byte count and every
// stride then fit in int64). A file's claims are checked against it before a tensor is formed.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 56;
// The element count of `shape`, or nullopt when a dimension is negative or the non-zero
// dimensions multiply past kMaxTensorElements: a zero dimension does not excuse huge others,
// whose strides would still overflow.
std::optional<int64_t> checked_numel(const Shape& shape);

// Bytes that some object keeps alive (an aligned allocation or a file mapping).
class Storage {
public:
    virtual ~Storage() = default;
    virtual std::byte* data() = 0;
    virtual std::size_t size() const = 0;
    virtual bool writable() const = 0;
    // A hint that bytes [offset, offset + bytes) will not be read again soon: a file mapping
    // drops the pages wholly inside (a later read reloads them from the file); memory ignores it.
    virtual void release_pages(std::size_t /*offset*/, std::size_t /*bytes*/) {}
};

// A 64-byte aligned, zero-initialised buffer.
std::shared_ptr<Storage> allocate_storage(std::size_t bytes);
// The same without the zero fill, for buffers that are written in full before being read.
std::shared_ptr<Storage> allocate_uninitialized_storage(std::size_t bytes);

class Tensor {
public:
    Tensor() = default;

    // A new contiguous tensor, zero-filled.
    static Tensor zeros(DType dtype, Shape shape);
    // A new contiguous tensor with unspecified contents: only for outputs written in full.
    static Tensor uninitialized(DType dtype, Shape shape);
    // A contiguous view of `storage` starting at `byte_offset`; the caller has checked bounds.
    static Tensor view(std::shared_ptr<Storage> storage, std::size_t byte_offset, DType dtype,
                       Shape shape);
    // A strided view (strides in elements); used for torch tensors with a storage offset.
    static Tensor strided_view(std::shared_ptr<Storage> storage, std::size_t byte_offset,
                               DType dtype, Shape shape, Shape strides);

    bool defined() const { return storage_ != nullptr; }
    DType dtype() const { return dtype_; }
    const Shape& shape() const { return shape_; }
    const Shape& strides() const { return strides_; }
    int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
    int64_t size(int64_t axis) const;
    int64_t numel() const { return shape_numel(shape_); }
    std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }
    bool is_contiguous() const;
    bool writable() const { return storage_ && storage_->writable(); }

    const std::byte* raw() const { return storage_->data() + offset_; }
    std::byte* raw_mut();  // throws if the storage is read-only
    // For weights copied into a packed layout: a tensor read from a mapped file gives its pages
    // back (RSS falls; reading again reloads them). Contiguous tensors only; others ignore it.
    void release_file_pages() const {
        if (storage_ && is_contiguous()) storage_->release_pages(offset_, nbytes());
    }

    template <typename T> const T* data() const { return reinterpret_cast<const T*>(raw()); }
    template <typename T> T* data_mut() { return reinterpret_cast<T*>(raw_mut()); }
    // Typed element access for contiguous tensors (bounds are the caller's business).
    template <typename T> std::span<const T> span() const {
        return {data<T>(), static_cast<std::size_t>(numel())};
    }

    // A contiguous owned copy (also turns strided views into dense tensors).
    Tensor contiguous_copy() const;
    // The same data as float32, contiguous (converts bf16/f16/ints; copies f32).
    Tensor to_float32() const;
    // The first n entries along axis 0, sharing storage (throws std::out_of_range past the end).
    Tensor leading(int64_t n) const;
    // Entries [begin, end) along axis 0, sharing storage (std::out_of_range outside the axis).
    Tensor rows(int64_t begin, int64_t end) const;
    // Same storage, new shape; requires contiguity and an equal element count.
    Tensor reshape(Shape shape) const;

private:
    std::shared_ptr<Storage> storage_;
    std::size_t offset_ = 0;  // bytes
    DType dtype_ = DType::F32;
    Shape shape_;
    Shape strides_;
};

// Named tensors in name order (the order safetensors writes them in).
using TensorMap = std::map<std::string, Tensor>;

float bf16_to_float(uint16_t bits);
float f16_to_float(uint16_t bits);

}  // namespace vivid
