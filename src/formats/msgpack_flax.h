// Flax's conventions on top of plain msgpack (flax/serialization.py): the ndarray extension
// (ExtType 1, numpy scalars ExtType 3), chunked arrays, and where a train state keeps its
// parameters. Separate from the file reading so the fuzz target can feed bytes directly.
#pragma once

#include <memory>
#include <string>

#include "formats/msgpack_reader.h"
#include "formats/flax_checkpoint.h"

namespace vivid {

// Decodes a whole Flax msgpack document held in `bytes`. Tensors are views into `bytes`
// where the array data is aligned for its dtype, otherwise aligned copies.
FlaxParams flax_params_from_msgpack(const std::shared_ptr<Storage>& bytes,
                                    const std::string& source);

// Decodes one ExtType 1/3 payload (msgpack of (shape, dtype name, C-order bytes)); `name`
// is the parameter path used in errors. `ext` must be a view into `storage`.
Tensor decode_flax_ndarray(const MsgpackValue& ext, const std::shared_ptr<Storage>& storage,
                           const std::string& source, const std::string& name);

}  // namespace vivid
