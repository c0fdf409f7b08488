// Fuzz target: arbitrary bytes through the restricted pickle machine with the torch allow-list.
// Any outcome but a vivid::Error or a value is a bug (crash, sanitizer report, hang).
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/pickle_machine.h"
#include "formats/pickle_torch_globals.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    vivid::TorchPickleGlobals globals;
    try {
        vivid::PickleResult r = vivid::run_pickle(
            std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), &globals,
            "fuzz.pkl");
        // Touch what the checkpoint reader would look at.
        (void)r.arena.dict_get(r.root, "model");
        (void)r.arena.describe(r.root);
        const vivid::PickleValue& root = r.arena.at(r.root);
        for (vivid::PickleId item : root.items) (void)globals.tensor(r.arena, item);
    } catch (const vivid::Error&) {
    }
    return 0;
}
