// The files of `vivid serve`'s web page (tools/vivid/serve_page/), compiled into the CLI by
// cmake/embed_data.cmake, so the service needs nothing beside its binary.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace vivid::cli {

// The bytes of tools/vivid/serve_page/<name> as it was at build time; nullopt for an unknown name.
std::optional<std::string_view> embedded_data_file(std::string_view name);

// Names of all embedded files, sorted.
std::vector<std::string_view> embedded_data_file_names();

}  // namespace vivid::cli
