#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <cmath>
#include <cstring>

#include "vivid/vivid.h"
#include "core/tensor.h"

namespace vivid {
namespace {

TEST(Tensor, ZerosAreAlignedAndContiguous) {
    for (int64_t n : {1, 3, 17, 1000}) {
        Tensor t = Tensor::zeros(DType::F32, {n, 3});
        EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
        EXPECT_TRUE(t.is_contiguous());
        EXPECT_EQ(t.nbytes(), static_cast<std::size_t>(n * 3 * 4));
        for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t.data<float>()[i], 0.0f);
    }
}

TEST(Tensor, StridedViewCopiesInCOrder) {
    // A 2x3 matrix viewed transposed (3x2): contiguous_copy must gather it.
    Tensor m = Tensor::zeros(DType::I32, {2, 3});
    for (int i = 0; i < 6; ++i) m.data_mut<int32_t>()[i] = i;
    auto storage = allocate_storage(24);
    std::memcpy(storage->data(), m.raw(), 24);
    Tensor t = Tensor::strided_view(storage, 0, DType::I32, {3, 2}, {1, 3});
    EXPECT_FALSE(t.is_contiguous());
    Tensor c = t.contiguous_copy();
    const int32_t want[] = {0, 3, 1, 4, 2, 5};
    for (int i = 0; i < 6; ++i) EXPECT_EQ(c.data<int32_t>()[i], want[i]);
}

TEST(Tensor, HalfPrecisionConversions) {
    // Bit patterns with known values: 1.0, -2.0, 65504 (f16 max), smallest f16 subnormal.
    EXPECT_EQ(f16_to_float(0x3c00), 1.0f);
    EXPECT_EQ(f16_to_float(0xc000), -2.0f);
    EXPECT_EQ(f16_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(f16_to_float(0x0001), 5.960464477539063e-08f);
    EXPECT_TRUE(std::isinf(f16_to_float(0x7c00)));
    EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
    EXPECT_EQ(bf16_to_float(0xc0a0), -5.0f);
    Tensor h = Tensor::zeros(DType::F16, {2});
    h.data_mut<uint16_t>()[0] = 0x3800;  // 0.5
    h.data_mut<uint16_t>()[1] = 0xbc00;  // -1
    Tensor f = h.to_float32();
    EXPECT_EQ(f.dtype(), DType::F32);
    EXPECT_EQ(f.data<float>()[0], 0.5f);
    EXPECT_EQ(f.data<float>()[1], -1.0f);
}

TEST(Tensor, CheckedNumelCountsZerosButNotTheirExcuse) {
    EXPECT_EQ(checked_numel({}), 1);
    EXPECT_EQ(checked_numel({3, 4, 5}), 60);
    EXPECT_EQ(checked_numel({0, 7}), 0);
    EXPECT_EQ(checked_numel({int64_t{1} << 28, int64_t{1} << 28}), int64_t{1} << 56);  // the limit itself
    EXPECT_FALSE(checked_numel({(int64_t{1} << 28) + 1, int64_t{1} << 28}));
    EXPECT_FALSE(checked_numel({2, -1}));
    // A zero anywhere makes the tensor empty, but the other sizes still give its strides.
    EXPECT_FALSE(checked_numel({0, int64_t{1} << 40, int64_t{1} << 40}));
    EXPECT_FALSE(checked_numel({int64_t{1} << 32, (int64_t{1} << 31) + 1, 0}));
    EXPECT_THROW(Tensor::zeros(DType::U8, {0, int64_t{1} << 40, int64_t{1} << 40}), Error);
}

TEST(Tensor, ReshapeChecksTheElementCount) {
    Tensor t = Tensor::zeros(DType::U8, {2, 6});
    EXPECT_EQ(t.reshape({3, 4}).shape(), (Shape{3, 4}));
    EXPECT_THROW(t.reshape({5}), Error);
}

TEST(Tensor, LeadingEntriesShareStorage) {
    Tensor t = Tensor::uninitialized(DType::I32, {4, 3});
    for (int i = 0; i < 12; ++i) t.data_mut<int32_t>()[i] = i;
    const Tensor first = t.leading(2);
    EXPECT_EQ(first.shape(), (Shape{2, 3}));
    EXPECT_EQ(first.nbytes(), 24u);
    EXPECT_EQ(first.data<int32_t>(), t.data<int32_t>());
    EXPECT_EQ(first.contiguous_copy().data<int32_t>()[5], 5);
    EXPECT_EQ(t.leading(0).numel(), 0);
    EXPECT_THROW(t.leading(5), std::out_of_range);
    EXPECT_THROW(Tensor::zeros(DType::U8, {}).leading(0), std::out_of_range);
}

TEST(Tensor, RowRangesShareStorage) {
    Tensor t = Tensor::uninitialized(DType::I32, {4, 3});
    for (int i = 0; i < 12; ++i) t.data_mut<int32_t>()[i] = i;
    const Tensor middle = t.rows(1, 3);
    EXPECT_EQ(middle.shape(), (Shape{2, 3}));
    EXPECT_EQ(middle.data<int32_t>(), t.data<int32_t>() + 3);
    EXPECT_EQ(middle.data<int32_t>()[5], 8);
    EXPECT_TRUE(middle.is_contiguous());
    EXPECT_EQ(t.rows(4, 4).numel(), 0);
    EXPECT_THROW(t.rows(2, 5), std::out_of_range);
    EXPECT_THROW(t.rows(3, 2), std::out_of_range);
    EXPECT_THROW(t.rows(-1, 2), std::out_of_range);
}

TEST(Tensor, LargeBuffersAreAlignedAndZeroedWhenAsked) {
    // Sizes on both sides of the huge-page threshold (2 MiB).
    for (int64_t n : {int64_t{64}, (int64_t{2} << 20) - 1, (int64_t{2} << 20) + 3}) {
        const Tensor z = Tensor::zeros(DType::U8, {n});
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(z.raw()) % 64, 0u);
        const auto* p = z.data<uint8_t>();
        EXPECT_TRUE(std::all_of(p, p + n, [](uint8_t v) { return v == 0; })) << n;
    }
}

TEST(Tensor, DtypeNames) {
    DType d;
    for (const char* name : {"F32", "BF16", "F16", "I64", "I32", "U8", "BOOL"}) {
        ASSERT_TRUE(parse_dtype_name(name, d));
        EXPECT_EQ(dtype_name(d), name);
    }
    EXPECT_FALSE(parse_dtype_name("F64", d));
}

}  // namespace
}  // namespace vivid
