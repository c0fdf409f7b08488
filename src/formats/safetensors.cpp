#include "formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/atomic_output.h"
#include "vivid/vivid.h"
#include "core/mapped_file.h"

namespace vivid {
namespace {

using nlohmann::json;

// Same bound as the reference implementation: a header above 100 MB is rejected.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct Entry {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t begin;
    uint64_t end;
};

uint64_t read_u64_le(const std::byte* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
}

Entry parse_entry(const std::string& path, const std::string& name, const json& info) {
    if (!info.is_object()) throw Error(path, "tensor '" + name + "': header entry is not an object");
    for (const char* key : {"dtype", "shape", "data_offsets"})
        if (!info.contains(key)) throw Error(path, "tensor '" + name + "': missing '" + key + "'");
    Entry e;
    e.name = name;
    if (!info["dtype"].is_string() || !parse_dtype_name(info["dtype"].get<std::string>(), e.dtype))
        throw Error(path, "tensor '" + name + "': unsupported dtype " + info["dtype"].dump());
    const json& shape = info["shape"];
    if (!shape.is_array()) throw Error(path, "tensor '" + name + "': shape is not a list");
    for (const json& d : shape) {
        if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(kMaxTensorElements))
            throw Error(path, "tensor '" + name + "': bad shape " + shape.dump());
        e.shape.push_back(d.get<int64_t>());
    }
    const std::optional<int64_t> elements = checked_numel(e.shape);
    if (!elements) throw Error(path, "tensor '" + name + "': shape too large " + shape.dump());
    const auto numel = static_cast<uint64_t>(*elements);
    const json& off = info["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        throw Error(path, "tensor '" + name + "': data_offsets must be two non-negative integers");
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.end < e.begin) throw Error(path, "tensor '" + name + "': data_offsets end before they begin");
    if (e.end - e.begin != numel * dtype_size(e.dtype))
        throw Error(path, "tensor '" + name + "': " + std::to_string(e.end - e.begin) +
                              " bytes do not match shape " + shape_to_string(e.shape) + " of " +
                              std::string(dtype_name(e.dtype)));
    return e;
}

}  // namespace

TensorMap read_safetensors(const std::string& path, std::map<std::string, std::string>& metadata) {
    auto storage = map_file(path);
    const std::size_t file_size = storage->size();
    if (file_size < 8) throw Error(path, "not a safetensors file (shorter than its 8-byte header length)");
    const uint64_t header_len = read_u64_le(storage->data());
    if (header_len > kMaxHeaderBytes || header_len > file_size - 8)
        throw Error(path, "not a safetensors file (header length " + std::to_string(header_len) +
                              " exceeds the file)");
    const char* header_begin = reinterpret_cast<const char*>(storage->data() + 8);
    json header;
    try {
        header = json::parse(header_begin, header_begin + header_len);
    } catch (const json::exception&) {
        throw Error(path, "safetensors header is not valid JSON");
    }
    if (!header.is_object()) throw Error(path, "safetensors header is not a JSON object");

    const uint64_t data_start = 8 + header_len;
    const uint64_t data_size = file_size - data_start;
    std::vector<Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it.value().is_object()) throw Error(path, "__metadata__ is not an object");
            for (auto m = it.value().begin(); m != it.value().end(); ++m) {
                if (!m.value().is_string()) throw Error(path, "__metadata__ value '" + m.key() + "' is not a string");
                metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        entries.push_back(parse_entry(path, it.key(), it.value()));
    }
    std::vector<const Entry*> by_offset;
    for (const Entry& e : entries) {
        if (e.end > data_size)
            throw Error(path, "tensor '" + e.name + "': data lies outside the file");
        by_offset.push_back(&e);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
    for (std::size_t i = 1; i < by_offset.size(); ++i)
        if (by_offset[i]->begin < by_offset[i - 1]->end)
            throw Error(path, "tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name +
                                  "' overlap");

    TensorMap out;
    for (const Entry& e : entries)
        out.emplace(e.name, Tensor::view(storage, static_cast<std::size_t>(data_start + e.begin), e.dtype, e.shape));
    return out;
}

TensorMap read_safetensors(const std::string& path) {
    std::map<std::string, std::string> metadata;
    return read_safetensors(path, metadata);
}

TensorMap read_safetensors_index(const std::string& index_path) {
    auto storage = map_file(index_path);
    json index;
    try {
        const char* p = reinterpret_cast<const char*>(storage->data());
        index = json::parse(p, p + storage->size());
    } catch (const json::exception&) {
        throw Error(index_path, "not valid JSON");
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw Error(index_path, "has no 'weight_map' object");
    const std::filesystem::path dir = std::filesystem::path(index_path).parent_path();
    std::map<std::string, TensorMap> shards;
    TensorMap out;
    for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
        if (!it.value().is_string()) throw Error(index_path, "weight_map['" + it.key() + "'] is not a file name");
        const std::string file = it.value().get<std::string>();
        if (file.find('/') != std::string::npos || file == "..")
            throw Error(index_path, "weight_map names a file outside its folder: " + file);
        auto shard = shards.find(file);
        if (shard == shards.end()) shard = shards.emplace(file, read_safetensors((dir / file).string())).first;
        auto t = shard->second.find(it.key());
        if (t == shard->second.end())
            throw Error((dir / file).string(), "has no tensor '" + it.key() + "' although the index lists it there");
        out.emplace(it.key(), t->second);
    }
    return out;
}

namespace {

bool widened(DType d, bool floats_as_f32) { return floats_as_f32 && (d == DType::F16 || d == DType::BF16); }

// The 8-byte little-endian header length and the JSON header, padded with spaces to 8 bytes.
// `floats_as_f32`: fp16/bf16 tensors are listed as the float32 they will be written as.
std::string safetensors_preamble(const TensorMap& tensors, const std::map<std::string, std::string>& metadata,
                                 bool floats_as_f32 = false) {
    std::string header = "{";
    uint64_t offset = 0;
    bool first = true;
    for (const auto& [name, t] : tensors) {
        if (!first) header += ",";
        first = false;
        json shape = json::array();
        for (int64_t d : t.shape()) shape.push_back(d);
        const DType dtype = widened(t.dtype(), floats_as_f32) ? DType::F32 : t.dtype();
        const uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtype_size(dtype);
        header += json(name).dump() + ":{\"dtype\":\"" + std::string(dtype_name(dtype)) +
                  "\",\"shape\":" + shape.dump() + ",\"data_offsets\":[" + std::to_string(offset) + "," +
                  std::to_string(offset + bytes) + "]}";
        offset += bytes;
    }
    if (!metadata.empty()) {
        if (!first) header += ",";
        header += "\"__metadata__\":" + json(metadata).dump();
    }
    header += "}";
    while (header.size() % 8 != 0) header += ' ';
    std::string out;
    const uint64_t len = header.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
    return out + header;
}

// Writes the preamble, then each tensor's bytes one at a time, from the tensor's own memory where
// it is dense and as it should be written (a clip's frames are tens of megabytes; an fp16
// checkpoint widened whole would be twice its size): only the piece being written is a copy.
void write_streamed(const std::string& path, const TensorMap& tensors, const std::map<std::string, std::string>& metadata,
                    bool floats_as_f32) {
    const std::string preamble = safetensors_preamble(tensors, metadata, floats_as_f32);
    auto it = tensors.begin();
    bool preamble_done = false;
    Tensor current;  // the piece being written: the tensor itself, or its dense or float32 copy
    write_output_file(path, NextPiece([&]() -> std::optional<std::span<const std::byte>> {
        if (!preamble_done) {
            preamble_done = true;
            return std::as_bytes(std::span<const char>(preamble));
        }
        if (it == tensors.end()) return std::nullopt;
        const Tensor& t = (it++)->second;
        current = Tensor();  // the previous copy goes before the next is made
        current = widened(t.dtype(), floats_as_f32) ? t.to_float32() : t.is_contiguous() ? t : t.contiguous_copy();
        return std::span<const std::byte>(current.raw(), current.nbytes());
    }));
}

}  // namespace

std::string serialize_safetensors(const TensorMap& tensors, const std::map<std::string, std::string>& metadata) {
    std::string out = safetensors_preamble(tensors, metadata);
    for (const auto& [name, t] : tensors) {
        const Tensor dense = t.is_contiguous() ? t : t.contiguous_copy();
        out.append(reinterpret_cast<const char*>(dense.raw()), dense.nbytes());
    }
    return out;
}

void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
    write_streamed(path, tensors, metadata, /*floats_as_f32=*/false);
}

void write_safetensors_float32(const std::string& path, const TensorMap& tensors,
                               const std::map<std::string, std::string>& metadata) {
    write_streamed(path, tensors, metadata, /*floats_as_f32=*/true);
}

}  // namespace vivid
