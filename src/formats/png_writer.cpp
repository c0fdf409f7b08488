#include "formats/png_writer.h"

#include <png.h>

#include <span>
#include <vector>

#include "core/atomic_output.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

// libpng writes through this callback into memory; the bytes then go out atomically.
void append_bytes(png_structp png, png_bytep data, png_size_t length) {
    auto* out = static_cast<std::vector<std::byte>*>(png_get_io_ptr(png));
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    out->insert(out->end(), bytes, bytes + length);
}

void no_flush(png_structp) {}

}  // namespace

void write_rgb_png(const std::string& path, const uint8_t* rgb, int height, int width) {
    if (height < 1 || width < 1) throw Error(path, "an image needs at least one pixel");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        throw Error(path, "out of memory for the PNG encoder");
    }
    std::vector<std::byte> encoded;
    std::vector<png_bytep> rows(static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y)
        rows[y] = const_cast<png_bytep>(rgb + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3);
    // libpng reports errors by longjmp; nothing with a destructor is created past this point.
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw Error(path, "the PNG encoder failed");
    }
    png_set_write_fn(png, &encoded, append_bytes, no_flush);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_rows(png, info, rows.data());
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
    png_destroy_write_struct(&png, &info);
    write_output_file(path, std::span<const std::byte>(encoded));
}

}  // namespace vivid
