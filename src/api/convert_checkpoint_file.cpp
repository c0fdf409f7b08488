// vivid::convert and the preset list: the public face of src/convert.
#include "convert/convert.h"
#include "convert/presets.h"
#include "vivid/vivid.h"

namespace vivid {

ConvertResult convert(const ConvertOptions& options, const std::string& out) {
    if (options.checkpoint.empty()) throw Error(out, "no checkpoint to convert was named");
    const ConvertedModel converted = convert_checkpoint(options);
    save_hf_folder(converted, out, options.replace);
    return {converted.architecture, static_cast<int64_t>(converted.weights.size()), converted.warnings};
}

std::vector<PresetInfo> convert_presets() {
    std::vector<PresetInfo> out;
    for (const Preset& p : all_presets())
        out.push_back({p.name, p.source_format, !p.expected_logits_slice.empty(),
                       static_cast<int>(p.frame_sampling_rate)});
    return out;
}

}  // namespace vivid
