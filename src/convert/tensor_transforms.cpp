#include "convert/tensor_transforms.h"

#include <cstring>

#include "vivid/vivid.h"

namespace vivid {

Tensor permute(const Tensor& t, const std::vector<int>& perm) {
    if (static_cast<int64_t>(perm.size()) != t.dim()) throw Error("", "internal: permutation rank");
    const Tensor src = t.is_contiguous() ? t : t.contiguous_copy();
    Shape out_shape(perm.size()), src_strides(perm.size());
    int64_t stride = 1;
    for (std::size_t i = perm.size(); i-- > 0;) {
        src_strides[i] = stride;
        stride *= src.shape()[i];
    }
    Shape gather(perm.size());  // source stride for each output axis
    for (std::size_t k = 0; k < perm.size(); ++k) {
        out_shape[k] = src.shape()[perm[k]];
        gather[k] = src_strides[perm[k]];
    }
    Tensor out = Tensor::zeros(src.dtype(), out_shape);
    const std::size_t esize = dtype_size(src.dtype());
    std::vector<int64_t> index(out_shape.size(), 0);
    std::byte* dst = out.raw_mut();
    const std::byte* base = src.raw();
    for (int64_t i = 0; i < out.numel(); ++i) {
        int64_t off = 0;
        for (std::size_t d = 0; d < index.size(); ++d) off += index[d] * gather[d];
        std::memcpy(dst + static_cast<std::size_t>(i) * esize, base + static_cast<std::size_t>(off) * esize, esize);
        for (std::size_t d = index.size(); d-- > 0;) {
            if (++index[d] < out_shape[d]) break;
            index[d] = 0;
        }
    }
    return out;
}

Tensor split_rows(const Tensor& t, int64_t parts, int64_t part) {
    const Tensor src = t.is_contiguous() ? t : t.contiguous_copy();
    const int64_t each = src.size(0) / parts;
    return src.rows(part * each, (part + 1) * each);
}

Tensor gather_rows(const Tensor& t, const std::vector<int64_t>& rows) {
    const Tensor src = t.is_contiguous() ? t : t.contiguous_copy();
    Shape shape = src.shape();
    shape[0] = static_cast<int64_t>(rows.size());
    Tensor out = Tensor::zeros(src.dtype(), shape);
    const std::size_t row_bytes = src.size(0) ? src.nbytes() / static_cast<std::size_t>(src.size(0)) : 0;
    for (std::size_t i = 0; i < rows.size(); ++i)
        std::memcpy(out.raw_mut() + i * row_bytes, src.raw() + static_cast<std::size_t>(rows[i]) * row_bytes, row_bytes);
    return out;
}

}  // namespace vivid
