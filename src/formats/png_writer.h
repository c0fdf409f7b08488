// PNG writing through libpng: 8-bit RGB images, written atomically.
#pragma once

#include <cstdint>
#include <string>

namespace vivid {

// Writes rows of width*3 bytes (RGB) as an 8-bit PNG at `path` (temporary file, then rename).
void write_rgb_png(const std::string& path, const uint8_t* rgb, int height, int width);

}  // namespace vivid
