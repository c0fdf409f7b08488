// Fuzz target: arbitrary bytes as a .safetensors file must give tensors or a vivid::Error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "vivid/vivid.h"
#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    char path[] = "/tmp/vivid_fuzz_safetensors_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (write(fd, data, size) != static_cast<ssize_t>(size)) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    try {
        vivid::TensorMap t = vivid::read_safetensors(path);
        for (auto& [name, tensor] : t) (void)tensor.to_float32();
    } catch (const vivid::Error&) {
    }
    unlink(path);
    return 0;
}
