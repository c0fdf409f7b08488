// The Flax checkpoint reader against (1) the conformance ViViT checkpoints, checked through
// the HF conversion transforms against the HF-converted model.safetensors, (2) fixtures
// written by tests/data/flax/make_flax_fixtures.py with expected arrays saved by numpy, and
// (3) broken inputs, which must fail with one clear line and never crash.
#include "formats/flax_checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "formats/msgpack_flax.h"
#include "test_support.h"
#include "vivid/vivid.h"
#include "formats/safetensors.h"

namespace vivid {
namespace {

using test::conformance_dir;
using test::data_dir;

std::string flax_data(const std::string& name) { return (data_dir() / "flax" / name).string(); }

std::string error_reading(const std::string& path) {
    try {
        read_flax_params(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

std::string bytes_of(const Tensor& t) {
    const Tensor c = t.contiguous_copy();
    return {reinterpret_cast<const char*>(c.raw()), c.nbytes()};
}

// A contiguous copy of `t` with its axes permuted (out axis i = in axis perm[i]).
Tensor permuted(const Tensor& t, const std::vector<int>& perm) {
    const Tensor c = t.contiguous_copy();
    auto storage = allocate_storage(c.nbytes());
    std::memcpy(storage->data(), c.raw(), c.nbytes());
    Shape shape, strides;
    for (int p : perm) {
        shape.push_back(c.shape()[p]);
        strides.push_back(c.strides()[p]);
    }
    return Tensor::strided_view(storage, 0, c.dtype(), shape, strides).contiguous_copy();
}

Tensor transposed(const Tensor& t) { return permuted(t, {1, 0}); }

void expect_same(const Tensor& flax, const Tensor& hf, const std::string& what) {
    ASSERT_EQ(flax.dtype(), hf.dtype()) << what;
    ASSERT_EQ(flax.shape(), hf.shape()) << what << ": " << shape_to_string(flax.shape()) << " vs "
                                        << shape_to_string(hf.shape());
    EXPECT_TRUE(bytes_of(flax) == bytes_of(hf)) << what << " differs";
}

void check_vivit_case(const std::string& case_name) {
    const auto dir = conformance_dir() / case_name;
    const FlaxParams params = read_flax_params((dir / "checkpoint").string());
    const TensorMap hf = read_safetensors((dir / "expected" / "model.safetensors").string());
    EXPECT_EQ(params.root, "optimizer/target");
    const TensorMap& p = params.tensors;
    auto at = [&](const std::string& name) -> const Tensor& {
        auto it = p.find(name);
        if (it == p.end()) throw std::runtime_error("missing " + name);
        return it->second;
    };
    int layers = 0;
    while (p.count("Transformer/encoderblock_" + std::to_string(layers) + "/LayerNorm_0/scale"))
        ++layers;
    ASSERT_GE(layers, 2);
    // 16 tensors per block + norm (2) + pos + cls + embedding (2) + head (2); no momentum.
    EXPECT_EQ(p.size(), static_cast<std::size_t>(16 * layers + 8));
    for (const auto& [name, t] : p) EXPECT_EQ(name.find("momentum"), std::string::npos) << name;

    expect_same(at("Transformer/encoder_norm/scale"), hf.at("vivit.layernorm.weight"), "norm w");
    expect_same(at("Transformer/encoder_norm/bias"), hf.at("vivit.layernorm.bias"), "norm b");
    expect_same(at("cls"), hf.at("vivit.embeddings.cls_token"), "cls");
    expect_same(at("Transformer/posembed_input/pos_embedding"),
                hf.at("vivit.embeddings.position_embeddings"), "pos");
    expect_same(at("embedding/bias"), hf.at("vivit.embeddings.patch_embeddings.projection.bias"),
                "embed b");
    // (t, h, w, C, D) -> (D, C, t, h, w)
    expect_same(permuted(at("embedding/kernel"), {4, 3, 0, 1, 2}),
                hf.at("vivit.embeddings.patch_embeddings.projection.weight"), "embed w");
    expect_same(transposed(at("output_projection/kernel")), hf.at("classifier.weight"), "head w");
    expect_same(at("output_projection/bias"), hf.at("classifier.bias"), "head b");

    for (int i = 0; i < layers; ++i) {
        const std::string f = "Transformer/encoderblock_" + std::to_string(i) + "/";
        const std::string h = "vivit.encoder.layer." + std::to_string(i) + ".";
        expect_same(at(f + "LayerNorm_0/scale"), hf.at(h + "layernorm_before.weight"), f);
        expect_same(at(f + "LayerNorm_1/bias"), hf.at(h + "layernorm_after.bias"), f);
        expect_same(transposed(at(f + "MlpBlock_0/Dense_0/kernel")),
                    hf.at(h + "intermediate.dense.weight"), f + "Dense_0");
        expect_same(transposed(at(f + "MlpBlock_0/Dense_1/kernel")), hf.at(h + "output.dense.weight"),
                    f + "Dense_1");
        expect_same(at(f + "MlpBlock_0/Dense_1/bias"), hf.at(h + "output.dense.bias"), f);
        for (const std::string qkv : {"query", "key", "value"}) {
            const Tensor& k = at(f + "MultiHeadDotProductAttention_0/" + qkv + "/kernel");
            const Tensor& b = at(f + "MultiHeadDotProductAttention_0/" + qkv + "/bias");
            ASSERT_EQ(k.dim(), 3);
            expect_same(transposed(k.reshape({k.size(0), k.size(1) * k.size(2)})),
                        hf.at(h + "attention.attention." + qkv + ".weight"), f + qkv);
            expect_same(b.reshape({b.size(0) * b.size(1)}),
                        hf.at(h + "attention.attention." + qkv + ".bias"), f + qkv);
        }
        const Tensor& out = at(f + "MultiHeadDotProductAttention_0/out/kernel");
        expect_same(transposed(out.reshape({out.size(0) * out.size(1), out.size(2)})),
                    hf.at(h + "attention.output.dense.weight"), f + "out");
    }
}

TEST(FlaxCheckpoint, VivitTinyMatchesTheHfConversion) { check_vivit_case("vivit_tiny"); }
TEST(FlaxCheckpoint, VivitTinyBatch2MatchesTheHfConversion) { check_vivit_case("vivit_tiny_batch2"); }

// A .npy written by numpy: returns the raw data bytes and the shape from the header.
std::string npy_data(const std::string& path, Shape& shape) {
    const std::string b = test::read_bytes(path);
    EXPECT_EQ(b.substr(0, 6), "\x93NUMPY");
    const std::size_t header_len = static_cast<unsigned char>(b[8]) |
                                   (static_cast<std::size_t>(static_cast<unsigned char>(b[9])) << 8);
    const std::string header = b.substr(10, header_len);
    const std::size_t open = header.find("'shape': (");
    EXPECT_NE(open, std::string::npos) << header;
    const std::size_t close = header.find(')', open);
    std::istringstream dims(header.substr(open + 10, close - open - 10));
    shape.clear();
    for (std::string dim; std::getline(dims, dim, ',');) {
        if (dim.find_first_of("0123456789") != std::string::npos) shape.push_back(std::stoll(dim));
    }
    return b.substr(10 + header_len);
}

TEST(FlaxCheckpoint, TrainStateFixtureMatchesNumpy) {
    const FlaxParams params = read_flax_params(flax_data("train_state.msgpack"));
    EXPECT_EQ(params.root, "optimizer/target");
    const auto expected_dir = data_dir() / "flax" / "expected" / "train_state";
    std::ifstream manifest_file(expected_dir / "manifest.json");
    const auto manifest = nlohmann::json::parse(manifest_file);

    std::set<std::string> want, got;
    for (const auto& [name, _] : manifest.items()) want.insert(name);
    for (const auto& [name, _] : params.tensors) got.insert(name);
    EXPECT_EQ(got, want);  // exactly the arrays: no momentum, step, rng, strings, floats, complex

    for (const auto& [name, info] : manifest.items()) {
        SCOPED_TRACE(name);
        auto it = params.tensors.find(name);
        if (it == params.tensors.end()) continue;
        const Tensor& t = it->second;
        EXPECT_EQ(dtype_name(t.dtype()), info["dtype"].get<std::string>());
        EXPECT_EQ(t.shape(), info["shape"].get<Shape>());
        Shape npy_shape;
        const std::string data = npy_data((expected_dir / info["npy"].get<std::string>()).string(),
                                          npy_shape);
        EXPECT_EQ(npy_shape, t.shape());
        EXPECT_TRUE(bytes_of(t) == data) << "values differ";
    }
    // Spot checks that do not depend on the generator's bookkeeping.
    const TensorMap& p = params.tensors;
    EXPECT_EQ(p.at("stats/ids").span<int64_t>()[2], int64_t{1} << 40);
    EXPECT_EQ(p.at("zero_d").span<int64_t>()[0], 42);
    EXPECT_EQ(p.at("temperature").to_float32().span<float>()[0], 1.5f);
    EXPECT_EQ(p.at("big/kernel").shape(), (Shape{10, 13}));
    EXPECT_EQ(p.at("big/counts").span<int32_t>()[99], 99);
    EXPECT_EQ(p.at("layers/1/sub/0/w").to_float32().span<float>()[0], 5.0f);
}

TEST(FlaxCheckpoint, ParamsRootChoice) {
    const FlaxParams a = read_flax_params(flax_data("params_root.msgpack"));
    EXPECT_EQ(a.root, "params");
    ASSERT_EQ(a.tensors.size(), 1u);
    EXPECT_EQ(a.tensors.begin()->first, "dense/w");

    const FlaxParams b = read_flax_params(flax_data("target_root.msgpack"));
    EXPECT_EQ(b.root, "target");
    ASSERT_EQ(b.tensors.size(), 1u);
    EXPECT_EQ(b.tensors.begin()->first, "w");

    const FlaxParams c = read_flax_params(flax_data("bare.msgpack"));
    EXPECT_EQ(c.root, "");
    ASSERT_EQ(c.tensors.size(), 1u);
    EXPECT_EQ(c.tensors.begin()->first, "Dense_0/kernel");
    expect_same(a.tensors.at("dense/w"), c.tensors.at("Dense_0/kernel"), "same array");
}

TEST(FlaxCheckpoint, ChunksAreJoinedInIndexOrder) {
    const FlaxParams p = read_flax_params(flax_data("chunks_out_of_order.msgpack"));
    const Tensor& w = p.tensors.at("w");
    EXPECT_EQ(w.shape(), (Shape{2, 2}));
    const auto v = w.span<float>();
    EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{1, 2, 3, 4}));
}

TEST(FlaxCheckpoint, BrokenFixturesGiveClearErrors) {
    const std::pair<const char*, const char*> cases[] = {
        {"float64_param", "parameter dense/kernel: dtype 'float64' is not supported"},
        {"newline_in_name", "parameter a?b: dtype 'float64' is not supported"},
        {"unknown_dtype", "parameter z: dtype 'complex64' is not supported"},
        {"wrong_byte_count", "parameter dense/kernel: ndarray holds 44 bytes, but shape [3, 4] of float32 needs 48"},
        {"payload_not_msgpack", "parameter w: malformed ndarray payload: not msgpack"},
        {"payload_not_triple", "parameter w: ndarray payload is not (shape, dtype, bytes)"},
        {"payload_trailing", "parameter w: malformed ndarray payload: 1 trailing bytes"},
        {"negative_dim", "parameter w: ndarray shape holds something other than a size"},
        {"huge_shape", "parameter w: ndarray shape [4611686018427387904, 4611686018427387904] is too large"},
        {"top_level_array", "not a Flax checkpoint: the msgpack document is an array, expected a map"},
        {"no_params", "no parameter arrays found in the document"},
        {"chunk_missing", "parameter w: chunked array has no entry \"1\""},
        {"chunk_size_mismatch", "parameter w: chunks hold 16 bytes, but shape [5] needs 20"},
        {"chunk_dtype_mismatch", "parameter w: chunks have different dtypes"},
        {"int_key", "parameter (root): holds an int key"},
    };
    for (const auto& [file, message] : cases) {
        const std::string path = flax_data(std::string("broken/") + file + ".msgpack");
        const std::string e = error_reading(path);
        EXPECT_EQ(e.rfind(path + ": ", 0), 0u) << e;
        EXPECT_NE(e.find(message), std::string::npos) << file << ": " << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    }
}

// Decodes bytes held in memory; returns the error message or "no error".
std::string error_decoding(const std::string& bytes) {
    auto storage = allocate_storage(bytes.size());
    if (!bytes.empty()) std::memcpy(storage->data(), bytes.data(), bytes.size());
    try {
        flax_params_from_msgpack(storage, "mem");
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(FlaxCheckpoint, EmptyFileIsRefused) {
    test::TempDir tmp;
    const std::string path = (tmp / "empty.msgpack").string();
    test::write_bytes(path, "");
    EXPECT_EQ(error_reading(path), path + ": not msgpack: the file is empty");
}

TEST(FlaxCheckpoint, RandomBytesFailCleanly) {
    std::mt19937 rng(1234);
    int refused = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string junk(1 + rng() % 300, '\0');
        for (char& c : junk) c = static_cast<char>(rng());
        refused += error_decoding(junk) != "no error";
    }
    EXPECT_EQ(refused, 2000);
}

TEST(FlaxCheckpoint, TruncatedCheckpointIsRefused) {
    // Every strict prefix of a valid checkpoint, including cuts inside array data.
    const std::string good = test::read_bytes(flax_data("train_state.msgpack"));
    for (std::size_t n = 1; n < good.size(); ++n) {
        const std::string e = error_decoding(good.substr(0, n));
        EXPECT_NE(e.find("mem: truncated msgpack"), std::string::npos) << n << ": " << e;
    }
    test::TempDir tmp;
    const std::string path = (tmp / "cut.msgpack").string();
    test::write_bytes(path, good.substr(0, good.size() / 2));
    EXPECT_NE(error_reading(path).find(path + ": truncated msgpack"), std::string::npos);
}

TEST(FlaxCheckpoint, DepthBombIsRefused) {
    test::TempDir tmp;
    const std::string path = (tmp / "deep.msgpack").string();
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "\x81\xa1" "a";  // {"a": {"a": ...
    deep += '\xc0';
    test::write_bytes(path, deep);
    EXPECT_NE(error_reading(path).find("msgpack nesting deeper than 128 levels"), std::string::npos);
}

// The array data becomes a zero-copy view of the file when it is aligned for its dtype and
// an aligned copy when it is not; both hold the same values.
TEST(FlaxCheckpoint, AlignedDataIsZeroCopy) {
    // {"w": ext1((2,), "float32", <8 bytes>)} with 0..3 bytes of key padding to move the data.
    for (int pad = 0; pad < 4; ++pad) {
        std::string key(static_cast<std::size_t>(pad) + 1, 'x');
        key[0] = 'w';
        std::string payload = "\x93\x91\x02\xa7" "float32\xc4\x08";
        const float values[2] = {1.25f, -3.5f};
        payload.append(reinterpret_cast<const char*>(values), 8);
        std::string doc = "\x81";
        doc += static_cast<char>(0xa0 | key.size());
        doc += key;
        doc += "\xc7";
        doc += static_cast<char>(payload.size());
        doc += '\x01';
        doc += payload;
        auto storage = allocate_storage(doc.size());
        std::memcpy(storage->data(), doc.data(), doc.size());
        const std::size_t data_offset = doc.size() - 8;

        const FlaxParams p = flax_params_from_msgpack(storage, "mem");
        const Tensor& t = p.tensors.at(key);
        EXPECT_EQ(t.to_float32().span<float>()[1], -3.5f);
        const bool view = t.raw() == storage->data() + data_offset;
        EXPECT_EQ(view, data_offset % 4 == 0) << pad;
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw()) % 4, 0u);
    }
}

}  // namespace
}  // namespace vivid
