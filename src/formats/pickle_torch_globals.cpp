#include "formats/pickle_torch_globals.h"

#include <string_view>
#include <utility>

namespace vivid {
namespace {

// Extension values carry (index << 1) | is_storage.
int64_t tensor_tag(std::size_t index) { return static_cast<int64_t>(index) << 1; }
int64_t storage_tag(std::size_t index) { return (static_cast<int64_t>(index) << 1) | 1; }

// Typed storage classes as torch pickles them (torch.<name>). A missing dtype means vivid has no
// such DType (float64, int16, int8, complex): a weight that uses one is an error, named.
struct StorageType {
    std::string_view name;
    std::optional<DType> dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", DType::F32},  {"HalfStorage", DType::F16},  {"BFloat16Storage", DType::BF16},
    {"LongStorage", DType::I64},   {"IntStorage", DType::I32},   {"ByteStorage", DType::U8},
    {"BoolStorage", DType::Bool},  {"DoubleStorage", std::nullopt}, {"ShortStorage", std::nullopt},
    {"CharStorage", std::nullopt}, {"ComplexFloatStorage", std::nullopt},
    {"ComplexDoubleStorage", std::nullopt},
};

// torch.<dtype> globals, as the dtype argument of _rebuild_tensor_v3.
struct DTypeName {
    std::string_view name;
    DType dtype;
};
constexpr DTypeName kDTypeNames[] = {
    {"float32", DType::F32}, {"float", DType::F32},   {"float16", DType::F16}, {"half", DType::F16},
    {"bfloat16", DType::BF16}, {"int64", DType::I64}, {"long", DType::I64},    {"int32", DType::I32},
    {"int", DType::I32},     {"uint8", DType::U8},    {"bool", DType::Bool},
};

bool is_global(const PickleValue& v, std::string_view module, std::string_view name) {
    return v.kind == PickleKind::Global && v.text == module && v.name == name;
}

// A tuple (or list) of non-negative ints below 2^48, so later products cannot overflow badly.
bool read_dims(const PickleArena& arena, PickleId id, Shape& out) {
    const PickleValue& v = arena.at(id);
    if (v.kind != PickleKind::Tuple && v.kind != PickleKind::List) return false;
    if (v.items.size() > 64) return false;
    out.clear();
    for (PickleId item : v.items) {
        const PickleValue& d = arena.at(item);
        if (d.kind != PickleKind::Int || d.integer < 0 || d.integer >= (int64_t{1} << 48)) return false;
        out.push_back(d.integer);
    }
    return true;
}

}  // namespace

std::optional<PickleId> TorchPickleGlobals::call(PickleArena& arena, PickleId callable,
                                                 PickleId args_id) {
    const PickleValue fn = arena.at(callable);  // copy: the arena may grow below
    const PickleValue& args_value = arena.at(args_id);
    if (args_value.kind != PickleKind::Tuple) return std::nullopt;
    const std::vector<PickleId> args = args_value.items;

    if (is_global(fn, "collections", "OrderedDict")) {
        PickleValue dict;
        dict.kind = PickleKind::Dict;
        // OrderedDict([(k, v), ...]) as older protocols write it.
        if (args.size() == 1 && arena.at(args[0]).kind == PickleKind::List) {
            for (PickleId pair : arena.at(args[0]).items) {
                const PickleValue& p = arena.at(pair);
                if (p.kind != PickleKind::Tuple || p.items.size() != 2) return std::nullopt;
                dict.items.insert(dict.items.end(), p.items.begin(), p.items.end());
            }
        } else if (!args.empty()) {
            return std::nullopt;
        }
        return arena.add(std::move(dict));
    }
    if (fn.kind != PickleKind::Global) return std::nullopt;
    if (fn.text == "torch._utils") {
        if (fn.name == "_rebuild_tensor" || fn.name == "_rebuild_tensor_v2")
            return rebuild_tensor(arena, args, false);
        if (fn.name == "_rebuild_tensor_v3") return rebuild_tensor(arena, args, true);
        // _rebuild_parameter(data, requires_grad, hooks[, state]): the parameter is its data.
        if ((fn.name == "_rebuild_parameter" || fn.name == "_rebuild_parameter_with_state") &&
            !args.empty() && tensor(arena, args[0]))
            return args[0];
    }
    if (is_global(fn, "torch.nn.parameter", "Parameter") && !args.empty() && tensor(arena, args[0]))
        return args[0];
    // _rebuild_from_type_v2(func, type, args, state): a tensor subclass; rebuild the plain
    // tensor with func (one level only: func may not be _rebuild_from_type_v2 itself).
    if (is_global(fn, "torch._tensor", "_rebuild_from_type_v2") && args.size() == 4 &&
        !is_global(arena.at(args[0]), "torch._tensor", "_rebuild_from_type_v2") &&
        arena.at(args[0]).kind == PickleKind::Global)
        return call(arena, args[0], args[2]);
    return std::nullopt;
}

std::optional<PickleId> TorchPickleGlobals::rebuild_tensor(PickleArena& arena,
                                                           const std::vector<PickleId>& args,
                                                           bool with_dtype) {
    if (args.size() < 4) return std::nullopt;
    TorchTensorRef t;
    int64_t storage_index = -1;
    const TorchStorageRef* storage = storage_of(arena, args[0], &storage_index);
    const PickleValue& offset = arena.at(args[1]);
    if (!storage) {
        t.problem = "its storage is " + arena.describe(args[0]) +
                    ", not a ('storage', torch.<Type>Storage, key, location, numel) reference";
    } else if (offset.kind != PickleKind::Int || offset.integer < 0 ||
               offset.integer >= (int64_t{1} << 48)) {
        t.problem = "bad storage offset";
    } else if (!read_dims(arena, args[2], t.size) || !read_dims(arena, args[3], t.stride) ||
               t.size.size() != t.stride.size()) {
        t.problem = "bad size or stride tuple";
    } else {
        t.storage = storage_index;
        t.offset = offset.integer;
    }
    if (with_dtype) {
        if (args.size() < 7) return std::nullopt;
        const PickleValue& d = arena.at(args[6]);
        for (const DTypeName& n : kDTypeNames) {
            if (d.kind == PickleKind::Global && d.text == "torch" && d.name == n.name) t.dtype = n.dtype;
        }
        if (!t.dtype && t.problem.empty()) {
            t.problem = "its dtype " + arena.describe(args[6]) + " is not one vivid reads";
            t.storage = -1;
        }
    }
    tensors_.push_back(std::move(t));
    return arena.make_extension(tensor_tag(tensors_.size() - 1));
}

std::optional<PickleId> TorchPickleGlobals::persistent_load(PickleArena& arena, PickleId pid) {
    const PickleValue& p = arena.at(pid);
    if (p.kind != PickleKind::Tuple || p.items.size() != 5) return std::nullopt;
    const PickleValue& tag = arena.at(p.items[0]);
    const PickleValue& type = arena.at(p.items[1]);
    const PickleValue& key = arena.at(p.items[2]);
    const PickleValue& location = arena.at(p.items[3]);
    const PickleValue& numel = arena.at(p.items[4]);
    if (tag.kind != PickleKind::String || tag.text != "storage") return std::nullopt;
    // Typed storages are torch.<Type>Storage; the untyped class pickles as torch.storage's.
    if (type.kind != PickleKind::Global ||
        !(type.text == "torch" || (type.text == "torch.storage" && type.name == "UntypedStorage")))
        return std::nullopt;
    if (key.kind != PickleKind::String || location.kind != PickleKind::String) return std::nullopt;
    if (numel.kind != PickleKind::Int || numel.integer < 0 || numel.integer >= (int64_t{1} << 48))
        return std::nullopt;
    TorchStorageRef s;
    s.key = key.text;
    s.type_name = type.name;
    s.numel = numel.integer;
    if (type.name == "UntypedStorage") {
        s.untyped = true;
    } else {
        bool known = false;
        for (const StorageType& st : kStorageTypes) {
            if (st.name == type.name) {
                known = true;
                s.dtype = st.dtype;
            }
        }
        if (!known) return std::nullopt;
    }
    storages_.push_back(std::move(s));
    return arena.make_extension(storage_tag(storages_.size() - 1));
}

const TorchStorageRef* TorchPickleGlobals::storage_of(const PickleArena& arena, PickleId id,
                                                      int64_t* index) const {
    const PickleValue& v = arena.at(id);
    if (v.kind != PickleKind::Extension || (v.integer & 1) == 0) return nullptr;
    *index = v.integer >> 1;
    return &storages_.at(static_cast<std::size_t>(*index));
}

const TorchTensorRef* TorchPickleGlobals::tensor(const PickleArena& arena, PickleId id) const {
    const PickleValue& v = arena.at(id);
    if (v.kind != PickleKind::Extension || (v.integer & 1) != 0) return nullptr;
    return &tensors_.at(static_cast<std::size_t>(v.integer >> 1));
}

}  // namespace vivid
