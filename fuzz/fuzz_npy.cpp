// Fuzz target: arbitrary bytes as a .npy file must give a tensor or a vivid::Error.
#include <cstdint>
#include <cstring>

#include "vivid/vivid.h"
#include "formats/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto storage = vivid::allocate_storage(size);
    if (size) std::memcpy(storage->data(), data, size);
    try {
        vivid::Tensor t = vivid::parse_npy(storage, "fuzz.npy");
        // Touch every byte the tensor claims, so a wrong bounds check shows up under ASan.
        volatile uint8_t sink = 0;
        const auto* bytes = reinterpret_cast<const uint8_t*>(t.raw());
        for (std::size_t i = 0; i < t.nbytes(); ++i) sink = sink ^ bytes[i];
        (void)sink;
    } catch (const vivid::Error&) {
    }
    return 0;
}
