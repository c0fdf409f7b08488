// Fuzz target: the zip container of torch.save files (libzip behind our own checks): open the
// archive and read the members a checkpoint reader asks for, every byte of each.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "formats/torch_zip_archive.h"
#include "fuzz_support.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto storage = vivid::allocate_storage(size);
    if (size) std::memcpy(storage->data(), data, size);
    try {
        vivid::TorchZipArchive zip("fuzz.pth", storage);
        // The checkpoint reader's real bounds are data.pkl's 256 MiB and each storage's claim;
        // 16 MiB keeps a run fast while still letting every path (and the budget) be reached.
        const vivid::ZipMemberBound bound{uint64_t{16} << 20, "the fuzz target's limit"};
        for (const char* name : {"data.pkl", "version", "byteorder", "data/0", "data/1"}) {
            if (const auto m = zip.member(name, bound)) vivid::fuzz::read_every_byte(m->data(), m->size);
        }
    } catch (const vivid::Error&) {
    }
    return 0;
}
