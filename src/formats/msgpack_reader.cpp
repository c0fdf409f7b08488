#include "formats/msgpack_reader.h"

#include <bit>
#include <cstring>
#include <utility>

#include "vivid/vivid.h"

namespace vivid {

std::string_view msgpack_kind_name(MsgpackKind kind) {
    switch (kind) {
        case MsgpackKind::Nil: return "nil";
        case MsgpackKind::Bool: return "bool";
        case MsgpackKind::Int: return "int";
        case MsgpackKind::UInt: return "uint";
        case MsgpackKind::Float: return "float";
        case MsgpackKind::Str: return "str";
        case MsgpackKind::Bin: return "bin";
        case MsgpackKind::Ext: return "ext";
        case MsgpackKind::Array: return "array";
        case MsgpackKind::Map: return "map";
    }
    return "?";
}

const MsgpackValue* MsgpackValue::find(std::string_view key) const {
    const MsgpackValue* found = nullptr;
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        if (items[i].is_string() && items[i].text() == key) found = &items[i + 1];
    }
    return found;
}

namespace {

class Decoder {
public:
    Decoder(std::span<const std::byte> bytes, const std::string& source,
            const MsgpackLimits& limits)
        : bytes_(bytes), source_(source), limits_(limits) {}

    MsgpackValue document() {
        MsgpackValue v = value(0);
        if (pos_ != bytes_.size())
            fail(pos_, std::to_string(bytes_.size() - pos_) +
                           " trailing bytes after the msgpack document");
        return v;
    }

private:
    [[noreturn]] void fail(std::size_t at, const std::string& what) const {
        throw Error(source_, what + " (at byte " + std::to_string(at) + ")");
    }

    std::size_t remaining() const { return bytes_.size() - pos_; }

    void need(std::size_t n, std::size_t start, const char* what) const {
        if (n > remaining())
            fail(start, std::string("truncated msgpack: ") + what + " needs " +
                            std::to_string(n) + " bytes, " + std::to_string(remaining()) +
                            " left");
    }

    // Reads an n-byte big-endian unsigned integer.
    uint64_t big_endian(std::size_t n, std::size_t start, const char* what) {
        need(n, start, what);
        uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | std::to_integer<uint64_t>(bytes_[pos_ + i]);
        pos_ += n;
        return v;
    }

    std::span<const std::byte> take(uint64_t n, std::size_t start, const char* what) {
        if (n > remaining())
            fail(start, std::string("truncated msgpack: ") + what + " of " + std::to_string(n) +
                            " bytes runs past the end (" + std::to_string(remaining()) +
                            " left)");
        auto s = bytes_.subspan(pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return s;
    }

    MsgpackValue value(int depth) {
        const std::size_t start = pos_;
        need(1, start, "a value");
        count_values(1, start);
        const auto b = std::to_integer<uint8_t>(bytes_[pos_++]);
        MsgpackValue v;
        v.offset = start;
        if (b <= 0x7f) return integer(v, b);
        if (b >= 0xe0) return integer(v, static_cast<int8_t>(b));
        if (b <= 0x8f) return container(v, MsgpackKind::Map, b & 0x0f, depth);
        if (b <= 0x9f) return container(v, MsgpackKind::Array, b & 0x0f, depth);
        if (b <= 0xbf) return blob(v, MsgpackKind::Str, b & 0x1f, "str");
        switch (b) {
            case 0xc0: return v;
            case 0xc2: case 0xc3:
                v.kind = MsgpackKind::Bool;
                v.boolean = b == 0xc3;
                return v;
            case 0xc4: return blob(v, MsgpackKind::Bin, big_endian(1, start, "bin8"), "bin");
            case 0xc5: return blob(v, MsgpackKind::Bin, big_endian(2, start, "bin16"), "bin");
            case 0xc6: return blob(v, MsgpackKind::Bin, big_endian(4, start, "bin32"), "bin");
            case 0xc7: return ext(v, big_endian(1, start, "ext8"));
            case 0xc8: return ext(v, big_endian(2, start, "ext16"));
            case 0xc9: return ext(v, big_endian(4, start, "ext32"));
            case 0xca: {
                const auto bits = static_cast<uint32_t>(big_endian(4, start, "float32"));
                v.kind = MsgpackKind::Float;
                v.float_value = std::bit_cast<float>(bits);
                return v;
            }
            case 0xcb:
                v.kind = MsgpackKind::Float;
                v.float_value = std::bit_cast<double>(big_endian(8, start, "float64"));
                return v;
            case 0xcc: return unsigned_integer(v, big_endian(1, start, "uint8"));
            case 0xcd: return unsigned_integer(v, big_endian(2, start, "uint16"));
            case 0xce: return unsigned_integer(v, big_endian(4, start, "uint32"));
            case 0xcf: return unsigned_integer(v, big_endian(8, start, "uint64"));
            case 0xd0: return integer(v, static_cast<int8_t>(big_endian(1, start, "int8")));
            case 0xd1: return integer(v, static_cast<int16_t>(big_endian(2, start, "int16")));
            case 0xd2: return integer(v, static_cast<int32_t>(big_endian(4, start, "int32")));
            case 0xd3: return integer(v, static_cast<int64_t>(big_endian(8, start, "int64")));
            case 0xd4: return ext(v, 1);
            case 0xd5: return ext(v, 2);
            case 0xd6: return ext(v, 4);
            case 0xd7: return ext(v, 8);
            case 0xd8: return ext(v, 16);
            case 0xd9: return blob(v, MsgpackKind::Str, big_endian(1, start, "str8"), "str");
            case 0xda: return blob(v, MsgpackKind::Str, big_endian(2, start, "str16"), "str");
            case 0xdb: return blob(v, MsgpackKind::Str, big_endian(4, start, "str32"), "str");
            case 0xdc: return container(v, MsgpackKind::Array, big_endian(2, start, "array16"), depth);
            case 0xdd: return container(v, MsgpackKind::Array, big_endian(4, start, "array32"), depth);
            case 0xde: return container(v, MsgpackKind::Map, big_endian(2, start, "map16"), depth);
            case 0xdf: return container(v, MsgpackKind::Map, big_endian(4, start, "map32"), depth);
            default: break;  // 0xc1 is reserved: never valid msgpack
        }
        fail(start, "not msgpack: reserved type byte 0xc1");
    }

    // The helpers below fill in `v` (the local of value()) and move it out, so a container's
    // children are moved up the tree, never deep-copied.
    static MsgpackValue integer(MsgpackValue& v, int64_t x) {
        v.kind = MsgpackKind::Int;
        v.int_value = x;
        return std::move(v);
    }

    static MsgpackValue unsigned_integer(MsgpackValue& v, uint64_t x) {
        if (x <= static_cast<uint64_t>(INT64_MAX)) return integer(v, static_cast<int64_t>(x));
        v.kind = MsgpackKind::UInt;
        v.uint_value = x;
        return std::move(v);
    }

    MsgpackValue blob(MsgpackValue& v, MsgpackKind kind, uint64_t n, const char* what) {
        v.kind = kind;
        v.bytes = take(n, v.offset, what);
        return std::move(v);
    }

    MsgpackValue ext(MsgpackValue& v, uint64_t n) {
        v.kind = MsgpackKind::Ext;
        need(1, v.offset, "ext type");
        v.ext_type = static_cast<int8_t>(std::to_integer<uint8_t>(bytes_[pos_++]));
        v.bytes = take(n, v.offset, "ext payload");
        return std::move(v);
    }

    MsgpackValue container(MsgpackValue& v, MsgpackKind kind, uint64_t count, int depth) {
        v.kind = kind;
        if (depth >= limits_.max_depth)
            fail(v.offset, "msgpack nesting deeper than " + std::to_string(limits_.max_depth) +
                               " levels");
        const uint64_t n = kind == MsgpackKind::Map ? 2 * count : count;
        // Every element takes at least one byte: refuse impossible counts before looping.
        if (n > remaining())
            fail(v.offset, std::string("truncated msgpack: ") + std::string(msgpack_kind_name(kind)) +
                               " of " + std::to_string(count) + " entries, only " +
                               std::to_string(remaining()) + " bytes left");
        count_values(0, v.offset, n);  // before the reserve: the claim must fit the limit
        v.items.reserve(static_cast<std::size_t>(n));
        for (uint64_t i = 0; i < n; ++i) v.items.push_back(value(depth + 1));
        return std::move(v);
    }

    // Counts `n` more values, or (with `ahead`) checks that `ahead` more would still fit.
    void count_values(uint64_t n, std::size_t start, uint64_t ahead = 0) {
        if (values_ + n + ahead > limits_.max_values)
            fail(start, "msgpack document has more than " + std::to_string(limits_.max_values) +
                            " values (vivid's limit)");
        values_ += n;
    }

    std::span<const std::byte> bytes_;
    const std::string& source_;
    const MsgpackLimits& limits_;
    std::size_t pos_ = 0;
    uint64_t values_ = 0;
};

}  // namespace

MsgpackValue parse_msgpack(std::span<const std::byte> bytes, const std::string& source,
                           const MsgpackLimits& limits) {
    if (bytes.empty()) throw Error(source, "not msgpack: the file is empty");
    return Decoder(bytes, source, limits).document();
}

}  // namespace vivid
