#include "formats/flax_checkpoint.h"

#include "formats/msgpack_flax.h"
#include "core/mapped_file.h"

namespace vivid {

FlaxParams read_flax_params(const std::string& path) {
    return flax_params_from_msgpack(map_file(path), path);
}

}  // namespace vivid
