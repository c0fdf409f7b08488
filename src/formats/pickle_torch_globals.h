// The allow-list of globals that torch.save pickles use for weights: OrderedDict, the tensor and
// parameter rebuild functions, typed storages (persistent ids) and dtype names. Everything else
// (argparse.Namespace, os.system, numpy...) stays opaque and is never called.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/pickle_machine.h"
#include "core/tensor.h"

namespace vivid {

// One ('storage', torch.<Type>Storage, key, location, numel) persistent id.
struct TorchStorageRef {
    std::string key;                // the zip member <stem>/data/<key>
    std::string type_name;          // "FloatStorage", "UntypedStorage", ...
    std::optional<DType> dtype;     // nullopt: untyped (bytes) or a dtype vivid does not read
    bool untyped = false;
    int64_t numel = 0;              // elements of the storage dtype (bytes when untyped)
};

// A tensor rebuilt by _rebuild_tensor{,_v2,_v3}: a view of one storage.
struct TorchTensorRef {
    int64_t storage = -1;           // index into storages; -1 when unusable (see problem)
    std::optional<DType> dtype;     // set by _rebuild_tensor_v3 (its dtype argument)
    int64_t offset = 0;             // in elements
    Shape size;
    Shape stride;
    std::string problem;            // why this tensor cannot be read; empty when fine
};

class TorchPickleGlobals final : public PickleGlobals {
public:
    std::optional<PickleId> call(PickleArena& arena, PickleId callable, PickleId args) override;
    std::optional<PickleId> persistent_load(PickleArena& arena, PickleId pid) override;

    // The tensor a value stands for, or null when the value is not a rebuilt tensor.
    const TorchTensorRef* tensor(const PickleArena& arena, PickleId id) const;
    const TorchStorageRef& storage(int64_t index) const {
        return storages_.at(static_cast<std::size_t>(index));
    }

private:
    std::optional<PickleId> rebuild_tensor(PickleArena& arena, const std::vector<PickleId>& args,
                                           bool with_dtype);
    const TorchStorageRef* storage_of(const PickleArena& arena, PickleId id, int64_t* index) const;

    std::vector<TorchStorageRef> storages_;
    std::vector<TorchTensorRef> tensors_;
};

}  // namespace vivid
