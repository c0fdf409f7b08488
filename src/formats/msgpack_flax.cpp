#include "formats/msgpack_flax.h"

#include <cstring>
#include <utility>

#include "vivid/vivid.h"

namespace vivid {
namespace {

// flax/serialization.py _MsgpackExtType.
constexpr int8_t kExtNdarray = 1;
constexpr int8_t kExtNumpyScalar = 3;
constexpr const char* kChunkedMarker = "__msgpack_chunked_array__";
constexpr std::size_t kMaxRank = 64;  // numpy's own limit

// numpy dtype.name (what _ndarray_to_bytes writes) -> vivid dtype.
bool dtype_from_numpy_name(std::string_view name, DType& out) {
    static const std::pair<std::string_view, DType> table[] = {
        {"float32", DType::F32}, {"float16", DType::F16}, {"bfloat16", DType::BF16},
        {"int32", DType::I32},   {"int64", DType::I64},   {"uint8", DType::U8},
        {"bool", DType::Bool},
    };
    for (const auto& [numpy_name, dtype] : table) {
        if (numpy_name == name) {
            out = dtype;
            return true;
        }
    }
    return false;
}

// Text from the file as it may appear in a one-line error: bounded, control bytes as '?'.
std::string printable(std::string_view text, std::size_t max = 200) {
    std::string out(text.substr(0, max));
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    if (text.size() > max) out += "...";
    return out;
}

std::string display_name(const std::string& name) {
    return name.empty() ? "(root)" : printable(name);
}

// "an array", "a map": for messages that name what was found instead.
std::string a_kind(MsgpackKind kind) {
    const std::string name(msgpack_kind_name(kind));
    return (name[0] == 'a' || name[0] == 'e' || name[0] == 'i' || name[0] == 'u' ? "an " : "a ") + name;
}

[[noreturn]] void fail(const std::string& source, const std::string& name,
                       const std::string& problem) {
    throw Error(source, "parameter " + display_name(name) + ": " + problem);
}

Shape shape_from_msgpack(const MsgpackValue& v, const std::string& source, const std::string& name) {
    if (v.kind != MsgpackKind::Array)
        fail(source, name, "ndarray shape is " + a_kind(v.kind) + ", expected an array of sizes");
    if (v.items.size() > kMaxRank) fail(source, name, "ndarray has more than 64 dimensions");
    Shape shape;
    for (const MsgpackValue& d : v.items) {
        if (d.kind != MsgpackKind::Int || d.int_value < 0)
            fail(source, name, "ndarray shape holds something other than a size");
        shape.push_back(d.int_value);
    }
    return shape;
}

// Bytes an array of `shape` and `dtype` needs, or fails if that overflows.
uint64_t byte_count(const Shape& shape, DType dtype, const std::string& source,
                    const std::string& name) {
    const std::optional<int64_t> n = checked_numel(shape);
    if (!n) fail(source, name, "ndarray shape " + shape_to_string(shape) + " is too large");
    return static_cast<uint64_t>(*n) * dtype_size(dtype);
}

// A view when the data sits at an offset aligned for its dtype (so typed reads are well
// defined), otherwise an aligned copy.
Tensor tensor_over(std::span<const std::byte> data, DType dtype, Shape shape,
                   const std::shared_ptr<Storage>& storage) {
    const auto base = reinterpret_cast<std::uintptr_t>(storage->data());
    const auto at = reinterpret_cast<std::uintptr_t>(data.data());
    const bool inside = at >= base && at - base <= storage->size() &&
                        data.size() <= storage->size() - (at - base);
    const std::size_t offset = at - base;
    if (!data.empty() && inside && offset % dtype_size(dtype) == 0)
        return Tensor::view(storage, offset, dtype, std::move(shape));
    Tensor t = Tensor::zeros(dtype, std::move(shape));
    if (!data.empty()) std::memcpy(t.raw_mut(), data.data(), data.size());
    return t;
}

}  // namespace

Tensor decode_flax_ndarray(const MsgpackValue& ext, const std::shared_ptr<Storage>& storage,
                           const std::string& source, const std::string& name) {
    MsgpackValue payload;
    try {
        payload = parse_msgpack(ext.bytes, source, MsgpackLimits{.max_depth = 2});
    } catch (const Error& e) {
        fail(source, name, "malformed ndarray payload: " + e.problem());
    }
    if (payload.kind != MsgpackKind::Array || payload.items.size() != 3)
        fail(source, name, "ndarray payload is not (shape, dtype, bytes)");
    Shape shape = shape_from_msgpack(payload.items[0], source, name);
    const MsgpackValue& dtype_value = payload.items[1];
    const MsgpackValue& data = payload.items[2];
    if (!dtype_value.is_string()) fail(source, name, "ndarray dtype name is not a string");
    if (!data.is_string()) fail(source, name, "ndarray data is not a byte string");
    DType dtype;
    if (!dtype_from_numpy_name(dtype_value.text(), dtype))
        fail(source, name,
             "dtype '" + printable(dtype_value.text(), 32) +
                 "' is not supported (float32, float16, bfloat16, int32, int64, uint8, bool)");
    const uint64_t expected = byte_count(shape, dtype, source, name);
    if (data.bytes.size() != expected)
        fail(source, name,
             "ndarray holds " + std::to_string(data.bytes.size()) + " bytes, but shape " +
                 shape_to_string(shape) + " of " + std::string(dtype_value.text()) + " needs " +
                 std::to_string(expected));
    return tensor_over(data.bytes, dtype, std::move(shape), storage);
}

namespace {

class ParamCollector {
public:
    ParamCollector(const std::shared_ptr<Storage>& storage, const std::string& source,
                   TensorMap& out)
        : storage_(storage), source_(source), out_(out) {}

    void collect(const MsgpackValue& node, const std::string& path) {
        if (node.is_map()) {
            if (node.find(kChunkedMarker)) return add(path, unchunk(node, path));
            for (std::size_t i = 0; i < node.map_size(); ++i) {
                const MsgpackValue& key = node.map_key(i);
                if (!key.is_string())
                    fail(source_, path,
                         "holds " + a_kind(key.kind) + " key (at byte " + std::to_string(key.offset) +
                             "), expected string keys");
                const std::string child(key.text());
                collect(node.map_value(i), path.empty() ? child : path + "/" + child);
            }
            return;
        }
        if (node.kind == MsgpackKind::Ext &&
            (node.ext_type == kExtNdarray || node.ext_type == kExtNumpyScalar))
            return add(path, decode_flax_ndarray(node, storage_, source_, path));
        // Anything else (complex numbers, Python scalars, strings, None) is not a weight.
    }

private:
    void add(const std::string& path, Tensor t) {
        if (path.empty())
            throw Error(source_, "the document is a single array, not a tree of named parameters");
        out_.insert_or_assign(path, std::move(t));  // a repeated key: the last wins, as in Python
    }

    // The values of a map with keys "0", "1", ..., "n-1" in index order (flax _dict_to_tuple);
    // fails if one is missing. One pass, so a huge map costs linear time.
    std::vector<const MsgpackValue*> tuple_items(const MsgpackValue& map, const std::string& path) {
        std::vector<const MsgpackValue*> items(map.map_size(), nullptr);
        for (std::size_t i = 0; i < map.map_size(); ++i) {
            const MsgpackValue& key = map.map_key(i);
            if (!key.is_string()) continue;
            const std::string_view k = key.text();
            if (k.empty() || k.size() > 19 || (k.size() > 1 && k[0] == '0')) continue;
            uint64_t index = 0;
            bool digits = true;
            for (char c : k) {
                digits = digits && c >= '0' && c <= '9';
                index = index * 10 + static_cast<uint64_t>(c - '0');
            }
            if (digits && index < items.size()) items[index] = &map.map_value(i);  // last wins
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (!items[i])
                fail(source_, path, "chunked array has no entry \"" + std::to_string(i) + "\"");
        }
        return items;
    }

    const MsgpackValue& chunked_field(const MsgpackValue& node, const char* field,
                                      const std::string& path) {
        const MsgpackValue* v = node.find(field);
        if (!v || !v->is_map())
            fail(source_, path, std::string("chunked array has no '") + field + "' map");
        return *v;
    }

    Shape chunked_shape(const MsgpackValue& node, const std::string& path) {
        const MsgpackValue& shape_map = chunked_field(node, "shape", path);
        if (shape_map.map_size() > kMaxRank)
            fail(source_, path, "chunked array has too many dimensions");
        Shape shape;
        for (const MsgpackValue* d : tuple_items(shape_map, path)) {
            if (d->kind != MsgpackKind::Int || d->int_value < 0)
                fail(source_, path, "chunked array shape holds something other than a size");
            shape.push_back(d->int_value);
        }
        return shape;
    }

    // flax _unchunk: concatenate the 1-D chunks and reshape to `shape`.
    Tensor unchunk(const MsgpackValue& node, const std::string& path) {
        Shape shape = chunked_shape(node, path);
        const MsgpackValue& chunk_map = chunked_field(node, "chunks", path);
        const std::vector<const MsgpackValue*> chunk_values = tuple_items(chunk_map, path);
        if (chunk_values.empty()) fail(source_, path, "chunked array has no chunks");
        std::vector<Tensor> chunks;
        uint64_t total_bytes = 0;
        for (std::size_t i = 0; i < chunk_values.size(); ++i) {
            const MsgpackValue& c = *chunk_values[i];
            const std::string chunk_name = path + "/chunks/" + std::to_string(i);
            if (c.kind != MsgpackKind::Ext || c.ext_type != kExtNdarray)
                fail(source_, chunk_name, "chunk is not an ndarray");
            chunks.push_back(decode_flax_ndarray(c, storage_, source_, chunk_name));
            if (chunks.back().dtype() != chunks.front().dtype())
                fail(source_, path, "chunks have different dtypes");
            total_bytes += chunks.back().nbytes();  // each is bounded by the file size
        }
        const DType dtype = chunks.front().dtype();
        const uint64_t expected = byte_count(shape, dtype, source_, path);
        if (total_bytes != expected)
            fail(source_, path,
                 "chunks hold " + std::to_string(total_bytes) + " bytes, but shape " +
                     shape_to_string(shape) + " needs " + std::to_string(expected));
        Tensor out = Tensor::zeros(dtype, std::move(shape));
        std::byte* dst = expected ? out.raw_mut() : nullptr;
        for (const Tensor& c : chunks) {
            if (c.nbytes() == 0) continue;
            std::memcpy(dst, c.raw(), c.nbytes());
            dst += c.nbytes();
        }
        return out;
    }

    const std::shared_ptr<Storage>& storage_;
    const std::string& source_;
    TensorMap& out_;
};

// Where a train state keeps its parameters: Scenic/flax.optim `optimizer/target`, then
// `params` (flax.training.train_state), then `target`; otherwise the whole document.
std::pair<const MsgpackValue*, std::string> params_root(const MsgpackValue& doc) {
    if (const MsgpackValue* optimizer = doc.find("optimizer"); optimizer && optimizer->is_map()) {
        if (const MsgpackValue* t = optimizer->find("target"); t && t->is_map())
            return {t, "optimizer/target"};
    }
    for (const char* key : {"params", "target"}) {
        if (const MsgpackValue* v = doc.find(key); v && v->is_map()) return {v, key};
    }
    return {&doc, ""};
}

}  // namespace

FlaxParams flax_params_from_msgpack(const std::shared_ptr<Storage>& bytes,
                                    const std::string& source) {
    const std::span<const std::byte> all(bytes->data(), bytes->size());
    const MsgpackValue doc = parse_msgpack(all, source);
    if (!doc.is_map())
        throw Error(source, "not a Flax checkpoint: the msgpack document is " +
                                a_kind(doc.kind) + ", expected a map");
    auto [root, root_name] = params_root(doc);
    FlaxParams params;
    params.root = root_name;
    ParamCollector(bytes, source, params.tensors).collect(*root, "");
    if (params.tensors.empty())
        throw Error(source, "no parameter arrays found " +
                                (root_name.empty() ? std::string("in the document")
                                                   : "under " + root_name) +
                                " (looked for optimizer/target, params, target)");
    return params;
}

}  // namespace vivid
