// Frame preprocessing with the semantics of the Hugging Face VideoMAEImageProcessor and
// VivitImageProcessor: Pillow-exact resize on uint8, center crop (zero padding when the frame
// is smaller), rescale (with ViViT's zero centering), normalize; float32 channels-first out.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace vivid {

// Pillow's resampling filters, by their PIL integer codes.
enum class Resample { Nearest = 0, Lanczos = 1, Bilinear = 2, Bicubic = 3, Box = 4, Hamming = 5 };

// Exactly Pillow 9.4's Image.resize((out_width, out_height), resample) of an 8-bit RGB image
// (rows of width*3 bytes, no padding). Sizes must be >= 1; dst holds out_height*out_width*3.
void resize_rgb_like_pillow(const uint8_t* src, int height, int width, uint8_t* dst,
                            int out_height, int out_width, Resample resample);

// The output size of HF's resize for `size`: {"shortest_edge": s} keeps the aspect ratio
// (short side s, long side int(s * long / short)); {"height","width"} is taken as is.
struct ResizeTarget {
    int shortest_edge = 0;  // > 0 for the shortest-edge form
    int height = 0;         // > 0 (with width) for the fixed-size form
    int width = 0;
};

// Every field of the HF processors' preprocessor_config.json, HF names, HF defaults.
// Defaults differ by processor: VivitImageProcessor (the 2023 version with do_zero_centering)
// has size {"shortest_edge": 256} and do_normalize false; VideoMAE has 224 and true.
struct PreprocessorConfig {
    std::string image_processor_type = "VideoMAEImageProcessor";
    bool do_resize = true;
    ResizeTarget size{224, 0, 0};
    Resample resample = Resample::Bilinear;
    bool do_center_crop = true;
    int crop_height = 224;  // crop_size["height"]
    int crop_width = 224;   // crop_size["width"]
    bool do_rescale = true;
    double rescale_factor = 1.0 / 255.0;
    // ViViT, 2023 (`do_zero_centering`): after rescaling, x = 2*x - 1 in float32.
    bool do_zero_centering = false;
    // ViViT, 2024 on (`offset`): after rescaling, x = x - 1 in float32.
    bool offset = false;
    bool do_normalize = true;
    std::array<double, 3> image_mean{0.5, 0.5, 0.5};
    std::array<double, 3> image_std{0.5, 0.5, 0.5};
};

// HF's defaults for `processor_type` (VideoMAEImageProcessor, VivitImageProcessor): the one
// place they are written. For ViViT, `offset_form` picks the 2024 processor (offset) over the
// 2023 one (do_zero_centering).
PreprocessorConfig default_preprocessor_config(const std::string& processor_type, bool offset_form = false);
// preprocessor_config.json as HF's save_pretrained writes it for `config` (keys sorted,
// 2-space indent, a final newline).
std::string preprocessor_config_to_json(const PreprocessorConfig& config);

// Reads preprocessor_config.json. Unknown processor types, unknown or ill-typed options,
// unsupported sizes -> vivid::Error naming the file.
PreprocessorConfig load_preprocessor_config(const std::string& path);
// Same, from the JSON text; `source` names it in errors.
PreprocessorConfig parse_preprocessor_config(const std::string& json_text,
                                             const std::string& source);

// The (height, width) a frame of (height, width) has after the config's resize step.
std::array<int, 2> resized_frame_size(const PreprocessorConfig& config, int height, int width);

// frames: uint8 (T,H,W,3) -> float32 (T,3,H',W'), exactly as HF's processor computes
// pixel_values for one video (the caller adds the batch dimension). With neither rescale nor
// normalize HF would keep uint8 values; they are returned as (exact) float32.
// `crop` moves the crop window along the long side of the resized frame (Start: left or top,
// End: right or bottom; the short side stays centred), for multi-crop evaluation. Center is
// HF's center crop.
enum class CropPosition { Start, Center, End };
Tensor preprocess_clip(const PreprocessorConfig& config, const Tensor& frames,
                       CropPosition crop = CropPosition::Center);

}  // namespace vivid
