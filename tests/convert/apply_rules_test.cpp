// The conversion rules move no bytes they need not move: renamed tensors and the query/key/value
// split share the checkpoint's storage, which is what keeps `vivid convert` near one copy of
// the weights (bench/convert_memory.py measures the whole command).
#include <gtest/gtest.h>

#include "convert/conversion_rules.h"
#include "core/tensor.h"

namespace vivid {
namespace {

Tensor counting(Shape shape) {
    Tensor t = Tensor::uninitialized(DType::F32, std::move(shape));
    for (int64_t i = 0; i < t.numel(); ++i) t.data_mut<float>()[i] = static_cast<float>(i);
    return t;
}

TEST(ApplyRules, RenamedAndSplitWeightsShareTheCheckpointBytes) {
    TensorMap source;
    source["blocks.0.mlp.fc1.weight"] = counting({8, 4});
    source["blocks.0.attn.qkv.weight"] = counting({12, 4});
    const ConvertedTensors out = apply_rules(videomae_rule_table(), source, "checkpoint.pth");
    const Tensor& fc1 = out.tensors.at("videomae.encoder.layer.0.intermediate.dense.weight");
    EXPECT_EQ(fc1.data<float>(), source["blocks.0.mlp.fc1.weight"].data<float>());
    const float* qkv = source["blocks.0.attn.qkv.weight"].data<float>();
    const char* parts[] = {"query", "key", "value"};
    for (int p = 0; p < 3; ++p) {
        const Tensor& t = out.tensors.at(std::string("videomae.encoder.layer.0.attention.attention.") + parts[p] + ".weight");
        ASSERT_EQ(t.shape(), (Shape{4, 4}));
        EXPECT_EQ(t.data<float>(), qkv + p * 16);
        EXPECT_EQ(t.data<float>()[5], static_cast<float>(p * 16 + 5));  // the values HF's split gives
    }
}

TEST(ApplyRules, ANonContiguousSourceIsMadeDense) {
    // A (2, 3) tensor stored transposed, as torch keeps a .t() view: element (r, c) at c*2 + r.
    auto storage = allocate_storage(6 * sizeof(float));
    float* values = reinterpret_cast<float*>(storage->data());
    for (int i = 0; i < 6; ++i) values[i] = static_cast<float>(i);
    TensorMap source;
    source["blocks.0.mlp.fc2.bias"] = Tensor::strided_view(storage, 0, DType::F32, {2, 3}, {1, 2});
    const ConvertedTensors converted = apply_rules(videomae_rule_table(), source, "checkpoint.pth");
    const Tensor& out = converted.tensors.at("videomae.encoder.layer.0.output.dense.bias");
    ASSERT_TRUE(out.is_contiguous());
    EXPECT_NE(out.data<float>(), values);
    const float want[] = {0, 2, 4, 1, 3, 5};
    for (int i = 0; i < 6; ++i) EXPECT_EQ(out.data<float>()[i], want[i]);
}

}  // namespace
}  // namespace vivid
