// Fuzz target: arbitrary bytes written to a temporary file and read as a torch.save checkpoint.
// Every tensor's bytes are read, so a view outside the file shows up under ASan.
#include <cstddef>
#include <cstdint>

#include "formats/torch_checkpoint.h"
#include "fuzz_support.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const vivid::fuzz::TempFile file(data, size);
    if (!file.ok()) return 0;
    try {
        const vivid::TorchStateDict sd = vivid::read_torch_state_dict(file.path());
        for (const auto& [name, tensor] : sd.tensors) vivid::fuzz::read_every_byte(tensor.raw(), tensor.nbytes());
    } catch (const vivid::Error&) {
    }
    return 0;
}
