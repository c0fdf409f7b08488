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
        for (const char* name : {"data.pkl", "version", "byteorder", "data/0", "data/1"}) {
            if (const auto m = zip.member(name)) vivid::fuzz::read_every_byte(m->data(), m->size);
        }
    } catch (const vivid::Error&) {
    }
    return 0;
}
