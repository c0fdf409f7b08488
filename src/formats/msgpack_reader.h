// A validating msgpack decoder for untrusted files (Flax checkpoints).
//
// Written by hand rather than using msgpack-cxx because (1) msgpack-cxx allocates the
// element array of a map/array from the header's count before reading any element, so a
// 6-byte header can ask for gigabytes; here containers only grow as elements are actually
// decoded; (2) str/bin/ext payloads stay views into the caller's bytes, so ndarray data can
// become zero-copy tensors over the mapped file; (3) the format is small (one byte of type,
// a big-endian length, a payload) and each length is checked against the bytes left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vivid {

enum class MsgpackKind { Nil, Bool, Int, UInt, Float, Str, Bin, Ext, Array, Map };

std::string_view msgpack_kind_name(MsgpackKind kind);

struct MsgpackValue {
    MsgpackKind kind = MsgpackKind::Nil;
    bool boolean = false;
    int64_t int_value = 0;    // Int (every integer that fits in int64)
    uint64_t uint_value = 0;  // UInt (only integers above INT64_MAX)
    double float_value = 0;   // Float (float32 is widened)
    int8_t ext_type = 0;      // Ext
    std::span<const std::byte> bytes;  // Str, Bin, Ext payload: a view into the input
    std::size_t offset = 0;            // where the value starts in the input
    // Array: the elements. Map: keys and values interleaved (key0, value0, key1, ...).
    std::vector<MsgpackValue> items;

    bool is_map() const { return kind == MsgpackKind::Map; }
    bool is_string() const { return kind == MsgpackKind::Str || kind == MsgpackKind::Bin; }
    std::string_view text() const {
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
    }
    std::size_t map_size() const { return items.size() / 2; }
    const MsgpackValue& map_key(std::size_t i) const { return items[2 * i]; }
    const MsgpackValue& map_value(std::size_t i) const { return items[2 * i + 1]; }
    // The value of the last entry whose key is the string `key` (as Python's dict keeps the
    // last duplicate), or nullptr. Only for maps.
    const MsgpackValue* find(std::string_view key) const;
};

struct MsgpackLimits {
    int max_depth = 128;  // nested arrays/maps; deeper input is refused, not recursed into
    // Values in the whole document. Each costs ~90 bytes of tree for as little as one byte of
    // file, so a 100 MB file of nils would cost 9 GB; 2^20 values (under 100 MB of tree) is
    // far above a Flax checkpoint's few thousand (its arrays are single ext values).
    uint64_t max_values = uint64_t{1} << 20;
};

// Decodes exactly one msgpack value spanning all of `bytes` (trailing bytes are an error).
// Throws vivid::Error(source, problem) with the byte offset of any malformed or truncated
// value.
MsgpackValue parse_msgpack(std::span<const std::byte> bytes, const std::string& source,
                           const MsgpackLimits& limits = {});

}  // namespace vivid
