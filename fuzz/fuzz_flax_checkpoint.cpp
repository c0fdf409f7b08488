// Fuzzes the Flax msgpack reader (generic msgpack decoding, ndarray payloads, chunked arrays):
// any input must either decode or throw vivid::Error, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "formats/msgpack_flax.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto storage = vivid::allocate_storage(size);
    if (size) std::memcpy(storage->data(), data, size);
    try {
        vivid::FlaxParams params = vivid::flax_params_from_msgpack(storage, "fuzz");
        // Touch every byte so the sanitizers check the views' bounds.
        unsigned sum = 0;
        for (const auto& [name, t] : params.tensors) {
            const std::byte* p = t.raw();
            for (std::size_t i = 0; i < t.nbytes(); ++i) sum += std::to_integer<unsigned>(p[i]);
        }
        volatile unsigned sink = sum;
        (void)sink;
    } catch (const vivid::Error&) {
    }
    return 0;
}
