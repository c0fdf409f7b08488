#include "formats/pickle_value.h"

#include <utility>

namespace vivid {

std::string_view pickle_kind_name(PickleKind kind) {
    switch (kind) {
        case PickleKind::None: return "None";
        case PickleKind::Bool: return "bool";
        case PickleKind::Int: return "int";
        case PickleKind::BigInt: return "big int";
        case PickleKind::Float: return "float";
        case PickleKind::String: return "str";
        case PickleKind::Bytes: return "bytes";
        case PickleKind::Tuple: return "tuple";
        case PickleKind::List: return "list";
        case PickleKind::Dict: return "dict";
        case PickleKind::Set: return "set";
        case PickleKind::Global: return "global";
        case PickleKind::Object: return "opaque object";
        case PickleKind::Extension: return "extension";
    }
    return "?";
}

PickleId PickleArena::add(PickleValue value) {
    values_.push_back(std::move(value));
    return static_cast<PickleId>(values_.size() - 1);
}

PickleId PickleArena::make_object(std::string class_name) {
    PickleValue value;
    value.kind = PickleKind::Object;
    value.text = std::move(class_name);
    return add(std::move(value));
}

PickleId PickleArena::make_extension(int64_t index) {
    PickleValue value;
    value.kind = PickleKind::Extension;
    value.integer = index;
    return add(std::move(value));
}

std::optional<PickleId> PickleArena::dict_get(PickleId dict, std::string_view key) const {
    const PickleValue& d = at(dict);
    if (d.kind != PickleKind::Dict) return std::nullopt;
    std::optional<PickleId> found;
    for (std::size_t i = 0; i + 1 < d.items.size(); i += 2) {
        const PickleValue& k = at(d.items[i]);
        if (k.kind == PickleKind::String && k.text == key) found = d.items[i + 1];
    }
    return found;
}

std::string PickleArena::describe(PickleId id) const {
    const PickleValue& v = at(id);
    if (v.kind == PickleKind::Object) return "an opaque " + v.text + " object";
    if (v.kind == PickleKind::Global) return "the global " + v.text + "." + v.name;
    if (v.kind == PickleKind::Int || v.kind == PickleKind::Extension) return "an " + std::string(pickle_kind_name(v.kind));
    if (v.kind == PickleKind::None) return "None";
    return "a " + std::string(pickle_kind_name(v.kind));
}

}  // namespace vivid
