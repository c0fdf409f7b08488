// Data files compiled into the library (see cmake/embed_data.cmake): the label lists and
// presets.json from src/convert/data/. Nothing here touches the file system.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace vivid {

// The bytes of src/convert/data/<name> as it was at build time; nullopt for an unknown name.
std::optional<std::string_view> embedded_data_file(std::string_view name);

// Names of all embedded files, sorted.
std::vector<std::string_view> embedded_data_file_names();

}  // namespace vivid
