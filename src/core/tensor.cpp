#include "core/tensor.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <stdexcept>

#include "vivid/vivid.h"

namespace vivid {

std::size_t dtype_size(DType dtype) {
    switch (dtype) {
        case DType::F32: return 4;
        case DType::BF16: return 2;
        case DType::F16: return 2;
        case DType::I64: return 8;
        case DType::I32: return 4;
        case DType::U8: return 1;
        case DType::Bool: return 1;
    }
    return 1;
}

std::string_view dtype_name(DType dtype) {
    switch (dtype) {
        case DType::F32: return "F32";
        case DType::BF16: return "BF16";
        case DType::F16: return "F16";
        case DType::I64: return "I64";
        case DType::I32: return "I32";
        case DType::U8: return "U8";
        case DType::Bool: return "BOOL";
    }
    return "?";
}

bool parse_dtype_name(std::string_view name, DType& out) {
    static constexpr DType all[] = {DType::F32, DType::BF16, DType::F16, DType::I64,
                                    DType::I32, DType::U8,   DType::Bool};
    for (DType d : all) {
        if (dtype_name(d) == name) {
            out = d;
            return true;
        }
    }
    return false;
}

std::string shape_to_string(const Shape& shape) {
    std::ostringstream s;
    s << "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
    s << "]";
    return s.str();
}

int64_t shape_numel(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;  // every Tensor's shape passed checked_numel
    return n;
}

std::optional<int64_t> checked_numel(const Shape& shape) {
    int64_t nonzero = 1;
    bool empty = false;
    for (int64_t d : shape) {
        if (d < 0) return std::nullopt;
        if (d == 0) {
            empty = true;
            continue;
        }
        if (__builtin_mul_overflow(nonzero, d, &nonzero) || nonzero > kMaxTensorElements) return std::nullopt;
    }
    return empty ? 0 : nonzero;
}

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

class AlignedStorage final : public Storage {
public:
    AlignedStorage(std::size_t bytes, bool zero) : size_(bytes) {
        // Big buffers (decoded clips, activations) on transparent huge pages: first touch of a
        // 44 MB clip otherwise costs 11k page faults, a tenth of a 720p clip's decode time.
        const bool huge = bytes >= kHugePage;
        const std::size_t align = huge ? kHugePage : 64;
        std::size_t rounded = (bytes + align - 1) / align * align;
        if (rounded == 0) rounded = 64;
        data_ = static_cast<std::byte*>(std::aligned_alloc(align, rounded));
        if (!data_) throw std::bad_alloc();
        if (huge) ::madvise(data_, rounded, MADV_HUGEPAGE);  // advice only; failure is harmless
        if (zero) std::memset(data_, 0, rounded);
    }
    ~AlignedStorage() override { std::free(data_); }
    std::byte* data() override { return data_; }
    std::size_t size() const override { return size_; }
    bool writable() const override { return true; }

private:
    std::byte* data_;
    std::size_t size_;
};

Shape contiguous_strides(const Shape& shape) {
    Shape strides(shape.size());
    int64_t s = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        strides[i] = s;
        s *= shape[i];
    }
    return strides;
}

// The backstop behind the parsers' own checks (which name the file): no Tensor has a shape
// whose element count or strides overflow.
void require_indexable(const Shape& shape) {
    if (!checked_numel(shape))
        throw Error("tensor shape " + shape_to_string(shape), "is negative or has over 2^56 elements");
}

}  // namespace

std::shared_ptr<Storage> allocate_storage(std::size_t bytes) {
    return std::make_shared<AlignedStorage>(bytes, true);
}

std::shared_ptr<Storage> allocate_uninitialized_storage(std::size_t bytes) {
    return std::make_shared<AlignedStorage>(bytes, false);
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
    Tensor t = uninitialized(dtype, std::move(shape));
    std::memset(t.storage_->data(), 0, t.storage_->size());
    return t;
}

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
    require_indexable(shape);
    Tensor t;
    t.storage_ = allocate_uninitialized_storage(static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype));
    t.dtype_ = dtype;
    t.strides_ = contiguous_strides(shape);
    t.shape_ = std::move(shape);
    return t;
}

Tensor Tensor::view(std::shared_ptr<Storage> storage, std::size_t byte_offset, DType dtype,
                    Shape shape) {
    require_indexable(shape);
    Shape strides = contiguous_strides(shape);
    return strided_view(std::move(storage), byte_offset, dtype, std::move(shape),
                        std::move(strides));
}

Tensor Tensor::strided_view(std::shared_ptr<Storage> storage, std::size_t byte_offset, DType dtype,
                            Shape shape, Shape strides) {
    require_indexable(shape);
    Tensor t;
    t.storage_ = std::move(storage);
    t.offset_ = byte_offset;
    t.dtype_ = dtype;
    t.shape_ = std::move(shape);
    t.strides_ = std::move(strides);
    return t;
}

Tensor Tensor::leading(int64_t n) const {
    if (dim() < 1 || n < 0 || n > shape_[0])
        throw std::out_of_range("Tensor::leading(" + std::to_string(n) + ") of shape " + shape_to_string(shape_));
    Tensor t = *this;
    t.shape_[0] = n;
    return t;
}

Tensor Tensor::rows(int64_t begin, int64_t end) const {
    if (dim() < 1 || begin < 0 || begin > end || end > shape_[0])
        throw std::out_of_range("Tensor::rows(" + std::to_string(begin) + ", " + std::to_string(end) + ") of shape " +
                                shape_to_string(shape_));
    Tensor t = *this;
    t.offset_ += static_cast<std::size_t>(begin * strides_[0]) * dtype_size(dtype_);
    t.shape_[0] = end - begin;
    return t;
}

int64_t Tensor::size(int64_t axis) const {
    if (axis < 0) axis += dim();
    return shape_.at(static_cast<std::size_t>(axis));
}

bool Tensor::is_contiguous() const {
    int64_t expected = 1;
    for (std::size_t i = shape_.size(); i-- > 0;) {
        if (shape_[i] != 1 && strides_[i] != expected) return false;
        expected *= shape_[i];
    }
    return true;
}

std::byte* Tensor::raw_mut() {
    if (!writable()) throw Error("", "internal: write to a read-only tensor");
    return storage_->data() + offset_;
}

Tensor Tensor::contiguous_copy() const {
    Tensor out = zeros(dtype_, shape_);
    const std::size_t esize = dtype_size(dtype_);
    const int64_t n = numel();
    if (n == 0) return out;
    if (is_contiguous()) {
        std::memcpy(out.storage_->data(), raw(), nbytes());
        return out;
    }
    // Walk the index space in C order and gather each element through the strides.
    std::vector<int64_t> index(shape_.size(), 0);
    std::byte* dst = out.storage_->data();
    for (int64_t i = 0; i < n; ++i) {
        int64_t src_elem = 0;
        for (std::size_t d = 0; d < shape_.size(); ++d) src_elem += index[d] * strides_[d];
        std::memcpy(dst + static_cast<std::size_t>(i) * esize,
                    raw() + static_cast<std::size_t>(src_elem) * esize, esize);
        for (std::size_t d = shape_.size(); d-- > 0;) {
            if (++index[d] < shape_[d]) break;
            index[d] = 0;
        }
    }
    return out;
}

float bf16_to_float(uint16_t bits) {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

float f16_to_float(uint16_t bits) {
    const uint32_t sign = (bits & 0x8000u) << 16;
    uint32_t exp = (bits >> 10) & 0x1f;
    uint32_t mant = bits & 0x3ffu;
    uint32_t u;
    if (exp == 0) {
        if (mant == 0) {
            u = sign;
        } else {  // subnormal: normalise
            exp = 127 - 15 + 1;
            while (!(mant & 0x400u)) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3ffu;
            u = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        u = sign | 0x7f800000u | (mant << 13);
    } else {
        u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

Tensor Tensor::to_float32() const {
    Tensor src = is_contiguous() ? *this : contiguous_copy();
    if (dtype_ == DType::F32) return src.storage_ == storage_ ? src.contiguous_copy() : src;
    Tensor out = zeros(DType::F32, shape_);
    float* dst = out.data_mut<float>();
    const int64_t n = numel();
    const std::byte* p = src.raw();
    for (int64_t i = 0; i < n; ++i) {
        switch (dtype_) {
            case DType::BF16: {
                uint16_t b;
                std::memcpy(&b, p + 2 * i, 2);
                dst[i] = bf16_to_float(b);
                break;
            }
            case DType::F16: {
                uint16_t b;
                std::memcpy(&b, p + 2 * i, 2);
                dst[i] = f16_to_float(b);
                break;
            }
            case DType::I64: {
                int64_t v;
                std::memcpy(&v, p + 8 * i, 8);
                dst[i] = static_cast<float>(v);
                break;
            }
            case DType::I32: {
                int32_t v;
                std::memcpy(&v, p + 4 * i, 4);
                dst[i] = static_cast<float>(v);
                break;
            }
            case DType::U8:
            case DType::Bool: dst[i] = static_cast<float>(static_cast<uint8_t>(p[i])); break;
            case DType::F32: break;
        }
    }
    return out;
}

Tensor Tensor::reshape(Shape shape) const {
    require_indexable(shape);
    if (!is_contiguous()) throw Error("", "internal: reshape of a non-contiguous tensor");
    if (shape_numel(shape) != numel())
        throw Error("", "internal: reshape " + shape_to_string(shape_) + " to " +
                            shape_to_string(shape));
    Tensor t = *this;
    t.strides_ = contiguous_strides(shape);
    t.shape_ = std::move(shape);
    return t;
}

}  // namespace vivid
