// Fuzz target: arbitrary bytes as the features.jsonl of a folder a fit reuses (`vivid fit
// --features DIR`). The folder reads or is refused with vivid::Error, and each video's vector is
// looked up (its .npy never exists here, so that is an Error too, never a crash).
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fit/feature_folder.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    char pattern[] = "/tmp/vivid_fuzz_features_XXXXXX";
    if (!mkdtemp(pattern)) return 0;
    const std::filesystem::path dir = pattern;
    {
        FILE* f = fopen((dir / "features.jsonl").c_str(), "wb");
        if (f) {
            fwrite(data, 1, size, f);
            fclose(f);
        }
    }
    try {
        const vivid::FeatureFolder folder = vivid::read_feature_folder(dir.string(), {"/models/m", "fp32", 1});
        for (const auto& [video, npy] : folder.npy) {
            try {
                vivid::first_window_vector(folder, video, 4);
            } catch (const vivid::Error&) {
            }
        }
    } catch (const vivid::Error&) {
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
}
