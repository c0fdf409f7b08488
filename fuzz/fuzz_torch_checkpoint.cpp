// Fuzz target: arbitrary bytes written to a temporary file and read as a torch.save checkpoint.
// Every tensor's bytes are read, so a view outside the file shows up under ASan.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "vivid/vivid.h"
#include "formats/torch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    char path[] = "/tmp/vivid_fuzz_torch_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return 0;
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    close(fd);
    try {
        vivid::TorchStateDict sd = vivid::read_torch_state_dict(path);
        unsigned sum = 0;
        for (const auto& [name, tensor] : sd.tensors) {
            const std::byte* p = tensor.raw();
            for (std::size_t i = 0; i < tensor.nbytes(); ++i) sum += static_cast<unsigned>(p[i]);
        }
        volatile unsigned sink = sum;
        (void)sink;
    } catch (const vivid::Error&) {
    }
    unlink(path);
    return 0;
}
