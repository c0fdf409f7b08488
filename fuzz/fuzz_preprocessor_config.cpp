// Fuzz target: arbitrary bytes as preprocessor_config.json must give a config or a
// vivid::Error; a config that parses (with small sizes) then preprocesses a small clip, so the
// resize and crop paths meet the odd sizes and filters the parser lets through.
#include <cstddef>
#include <cstdint>
#include <string>

#include "vivid/vivid.h"
#include "video/preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const vivid::PreprocessorConfig config = vivid::parse_preprocessor_config(text, "fuzz");
        const bool small = config.size.shortest_edge <= 64 && config.size.height <= 64 &&
                           config.size.width <= 64 && config.crop_height <= 64 &&
                           config.crop_width <= 64;
        if (!small) return 0;
        vivid::Tensor frames = vivid::Tensor::zeros(vivid::DType::U8, {2, 7, 11, 3});
        uint8_t* p = frames.data_mut<uint8_t>();
        for (int64_t i = 0; i < frames.numel(); ++i)
            p[i] = static_cast<uint8_t>(i * 37 + (size ? data[i % size] : 0));
        const vivid::Tensor out = vivid::preprocess_clip(config, frames);
        volatile float sink = out.numel() ? out.data<float>()[out.numel() - 1] : 0.0f;
        (void)sink;
    } catch (const vivid::Error&) {
    }
    return 0;
}
