#include "formats/torch_checkpoint.h"

#include <cstring>
#include <map>
#include <span>
#include <utility>

#include "formats/pickle_machine.h"
#include "formats/pickle_torch_globals.h"
#include "formats/torch_zip_archive.h"
#include "vivid/vivid.h"
#include "core/mapped_file.h"

namespace vivid {
namespace {

// torch.save before 1.6 wrote a bare pickle stream (magic number first), and so does plain
// pickle: both start with PROTO (0x80). Zip files start with "PK".
void reject_non_zip(const std::string& path, Storage& file) {
    if (file.size() == 0) throw Error(path, "empty file, not a torch.save checkpoint");
    const auto* b = reinterpret_cast<const unsigned char*>(file.data());
    if (b[0] == 0x80)
        throw Error(path,
                    "legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with "
                    "torch >= 1.6 using the default zip serialization: "
                    "torch.save(torch.load(f), f2)");
    if (file.size() < 4 || b[0] != 'P' || b[1] != 'K')
        throw Error(path, "not a zip archive, so not a torch.save checkpoint");
}

// The largest released VideoMAE data.pkl is a few hundred KB; 256 MiB fits any state dict's
// names and metadata with room to spare, and a bigger one is a bomb, not a checkpoint.
constexpr uint64_t kPickleLimit = uint64_t{256} << 20;
const ZipMemberBound kPickleBound{kPickleLimit, "vivid's 256 MiB limit for data.pkl"};
// byteorder holds "little" or "big".
const ZipMemberBound kRecordBound{4096, "vivid's limit for a text record"};

std::string member_text(TorchZipArchive& zip, const std::string& name) {
    auto m = zip.member(name, kRecordBound);
    if (!m) return {};
    return std::string(reinterpret_cast<const char*>(m->data()), m->size);
}

// Elements a strided tensor reaches past its offset (0 for an empty tensor).
bool tensor_extent(const TorchTensorRef& t, int64_t& extent) {
    extent = 1;
    for (std::size_t d = 0; d < t.size.size(); ++d) {
        if (t.size[d] == 0) {
            extent = 0;
            return true;
        }
    }
    for (std::size_t d = 0; d < t.size.size(); ++d) {
        // sizes and strides are < 2^48 (checked when unpickled); bound the sum to stay in range.
        __int128 next = static_cast<__int128>(extent) +
                        static_cast<__int128>(t.size[d] - 1) * t.stride[d];
        if (next >= (static_cast<__int128>(1) << 60)) return false;
        extent = static_cast<int64_t>(next);
    }
    return true;
}

bool contiguous_layout(const TorchTensorRef& t) {
    int64_t expected = 1;
    for (std::size_t d = t.size.size(); d-- > 0;) {
        if (t.size[d] != 1 && t.stride[d] != expected) return false;
        expected *= t.size[d];
    }
    return true;
}

class StateDictBuilder {
public:
    StateDictBuilder(const std::string& path, TorchZipArchive& zip, const TorchPickleGlobals& globals)
        : path_(path), zip_(zip), globals_(globals) {}

    Tensor build(const std::string& name, const TorchTensorRef& t) {
        if (!t.problem.empty() || t.storage < 0)
            fail(name, t.problem.empty() ? "unusable tensor" : t.problem);
        const TorchStorageRef& s = globals_.storage(t.storage);
        const std::optional<DType> dtype = t.dtype ? t.dtype : s.dtype;
        if (!dtype)
            fail(name, "its storage is torch." + s.type_name +
                           ", a dtype vivid does not read (convert the weights to float32)");
        if (!checked_numel(t.size)) fail(name, "shape " + shape_to_string(t.size) + " is too large");
        const auto esize = static_cast<int64_t>(dtype_size(*dtype));
        const int64_t storage_bytes = s.untyped ? s.numel : s.numel * esize;
        const ZipMemberBytes& bytes = storage_bytes_for(name, s.key, storage_bytes);
        if (static_cast<uint64_t>(storage_bytes) > bytes.size)
            fail(name, "data member data/" + s.key + " holds " + std::to_string(bytes.size) +
                           " bytes, its storage needs " + std::to_string(storage_bytes));
        int64_t extent = 0;
        if (!tensor_extent(t, extent) || t.offset + extent > storage_bytes / esize)
            fail(name, "storage shorter than the tensor needs (storage key " + s.key + ": " +
                           std::to_string(storage_bytes / esize) + " elements, tensor reaches " +
                           std::to_string(t.offset + extent) + ")");

        std::shared_ptr<Storage> storage = bytes.storage;
        std::size_t byte_offset = bytes.offset + static_cast<std::size_t>(t.offset * esize);
        const std::size_t span_bytes = static_cast<std::size_t>(extent * esize);
        if (reinterpret_cast<uintptr_t>(storage->data() + byte_offset) % static_cast<uintptr_t>(esize)) {
            // Misaligned payload (torch aligns to 64; a hand-made zip may not): copy it aligned.
            auto aligned = allocate_storage(span_bytes);
            if (span_bytes) std::memcpy(aligned->data(), storage->data() + byte_offset, span_bytes);
            storage = std::move(aligned);
            byte_offset = 0;
        }
        if (contiguous_layout(t)) return Tensor::view(storage, byte_offset, *dtype, t.size);
        return Tensor::strided_view(storage, byte_offset, *dtype, t.size, t.stride).contiguous_copy();
    }

private:
    [[noreturn]] void fail(const std::string& name, const std::string& problem) const {
        throw Error(path_, "tensor '" + name + "': " + problem);
    }

    // A storage member holds exactly what its storage claims in data.pkl (numel x element
    // size), so that claim bounds it before it is inflated.
    const ZipMemberBytes& storage_bytes_for(const std::string& name, const std::string& key,
                                            int64_t claimed_bytes) {
        auto it = members_.find(key);
        if (it != members_.end()) return it->second;
        const ZipMemberBound bound{static_cast<uint64_t>(claimed_bytes),
                                   "what storage " + key + " claims in data.pkl"};
        auto m = zip_.member("data/" + key, bound);
        if (!m) fail(name, "missing data member data/" + key + " for storage key " + key);
        return members_.emplace(key, std::move(*m)).first->second;
    }

    const std::string& path_;
    TorchZipArchive& zip_;
    const TorchPickleGlobals& globals_;
    std::map<std::string, ZipMemberBytes> members_;  // storage key -> bytes, read once
};

// The HF converter's rule: checkpoint["model"], else checkpoint["module"]; we also accept a
// top-level dict that is the state dict itself (pytorch_model.bin).
PickleId select_state_dict(const std::string& path, const PickleArena& arena, PickleId root,
                           std::string& source_key) {
    if (arena.at(root).kind != PickleKind::Dict)
        throw Error(path, "top-level object is " + arena.describe(root) + ", expected a dict");
    for (const char* key : {"model", "module"}) {
        if (auto entry = arena.dict_get(root, key)) {
            if (arena.at(*entry).kind != PickleKind::Dict)
                throw Error(path, std::string("entry '") + key + "' is " +
                                      arena.describe(*entry) + ", expected a state dict");
            source_key = key;
            return *entry;
        }
    }
    source_key.clear();
    return root;
}

}  // namespace

TorchStateDict read_torch_state_dict(const std::string& path) {
    std::shared_ptr<Storage> file = map_file(path);
    reject_non_zip(path, *file);
    TorchZipArchive zip(path, file);

    const std::string byteorder = member_text(zip, "byteorder");
    if (!byteorder.empty() && byteorder != "little")
        throw Error(path, "byteorder record is '" + byteorder + "'; only little-endian is supported");
    std::optional<ZipMemberBytes> pickle = zip.member("data.pkl", kPickleBound);
    if (!pickle) throw Error(path, "missing " + zip.stem() + "/data.pkl; not a torch.save archive");

    TorchPickleGlobals globals;
    PickleResult unpickled =
        run_pickle(std::span<const std::byte>(pickle->data(), pickle->size), &globals, path);
    const PickleArena& arena = unpickled.arena;

    TorchStateDict out;
    const PickleId dict = select_state_dict(path, arena, unpickled.root, out.source_key);
    StateDictBuilder builder(path, zip, globals);
    const std::vector<PickleId>& items = arena.at(dict).items;
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        const PickleValue& key = arena.at(items[i]);
        if (key.kind != PickleKind::String)
            throw Error(path, "state dict key is " + arena.describe(items[i]) + ", expected a str");
        const TorchTensorRef* ref = globals.tensor(arena, items[i + 1]);
        if (!ref && out.source_key.empty())
            throw Error(path, "no 'model' or 'module' entry, and top-level entry '" + key.text +
                                  "' is " + arena.describe(items[i + 1]) + ", not a tensor");
        if (!ref)
            throw Error(path, "tensor '" + key.text + "': value is " +
                                  arena.describe(items[i + 1]) + ", not a tensor");
        // A repeated key replaces the value but keeps its first position, like a Python dict.
        auto [it, inserted] = out.tensors.insert_or_assign(key.text, builder.build(key.text, *ref));
        if (inserted) out.order.push_back(key.text);
    }
    return out;
}

}  // namespace vivid
