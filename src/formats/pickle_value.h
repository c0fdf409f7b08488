// Values built by the restricted pickle machine. Every value lives in one PickleArena and refers
// to others by index, so memo cycles and deep nesting never leak or recurse on destruction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vivid {

using PickleId = uint32_t;

enum class PickleKind {
    None,
    Bool,
    Int,        // fits int64
    BigInt,     // a Python int that does not fit int64 (kept opaque)
    Float,
    String,     // unicode text (UTF-8 bytes as the pickle holds them)
    Bytes,      // bytes, bytearray, protocol-0/1 byte strings
    Tuple,
    List,
    Dict,       // items hold key, value, key, value... in insertion order
    Set,        // set or frozenset
    Global,     // a class or function named by module + name; never imported
    Object,     // an instance of a global that is not on the allow-list: opaque, never built
    Extension,  // a value the globals hook understood (index into the hook's own table)
};

struct PickleValue {
    PickleKind kind = PickleKind::None;
    bool boolean = false;
    int64_t integer = 0;   // Int; Extension: the hook's index
    double number = 0.0;
    std::string text;      // String/Bytes; Global: module; Object: "module.name" of its class
    std::string name;      // Global: name
    std::vector<PickleId> items;
};

std::string_view pickle_kind_name(PickleKind kind);

class PickleArena {
public:
    PickleId add(PickleValue value);
    const PickleValue& at(PickleId id) const { return values_[id]; }
    PickleValue& at(PickleId id) { return values_[id]; }
    std::size_t size() const { return values_.size(); }

    PickleId make_object(std::string class_name);
    PickleId make_extension(int64_t index);

    // Dict lookup by string key; the last matching item wins, like repeated SETITEM in Python.
    std::optional<PickleId> dict_get(PickleId dict, std::string_view key) const;
    // "a dict", "an int", "an opaque argparse.Namespace object"... for error messages.
    std::string describe(PickleId id) const;

private:
    std::vector<PickleValue> values_;
};

}  // namespace vivid
