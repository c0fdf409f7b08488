// Fuzz target: arbitrary bytes as a model's config.json. A config that parses must also
// survive its own round trip (written back as JSON, parsed again and written to the same text):
// a config vivid accepts but cannot save would break `vivid convert`.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/model_config.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vivid::ModelConfig config;
    try {
        config = vivid::parse_model_config(text, "fuzz/config.json");
    } catch (const vivid::Error&) {
        return 0;
    }
    // Saving is a fixed point: what vivid writes, it reads back to the same text.
    const std::string saved = vivid::model_config_to_json(config);
    const vivid::ModelConfig again = vivid::parse_model_config(saved, "fuzz/saved.json");  // must not throw
    if (vivid::model_config_to_json(again) != saved) std::abort();
    return 0;
}
