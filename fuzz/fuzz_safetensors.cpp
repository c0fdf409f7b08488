// Fuzz target: arbitrary bytes as a .safetensors file must give tensors or a vivid::Error.
#include <cstddef>
#include <cstdint>

#include "formats/safetensors.h"
#include "fuzz_support.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const vivid::fuzz::TempFile file(data, size, ".safetensors");
    if (!file.ok()) return 0;
    try {
        const vivid::TensorMap t = vivid::read_safetensors(file.path());
        for (const auto& [name, tensor] : t) (void)tensor.to_float32();
    } catch (const vivid::Error&) {
    }
    return 0;
}
