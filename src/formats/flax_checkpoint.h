// Flax checkpoints (flax.training.checkpoints / flax.serialization msgpack), e.g. Scenic's
// ViViT releases. Read without Python; nothing from the file is ever executed.
#pragma once

#include <string>

#include "core/tensor.h"

namespace vivid {

struct FlaxParams {
    TensorMap tensors;  // parameter path joined with '/', e.g.
                        // "Transformer/encoderblock_0/MultiHeadDotProductAttention_0/query/kernel"
    std::string root;   // where the params were found: "optimizer/target", "params", "target"
                        // or "" (the whole document)
};

// Reads a checkpoint written by flax.training.checkpoints (msgpack). Parameters are taken from
// optimizer/target (Scenic train state), else params, else target, else the whole tree.
// Other train-state entries (optimizer param_states, step, rng...) are skipped.
// Arrays keep their dtype (float32, float16, bfloat16, int32, int64, uint8, bool; any other
// dtype under the root, e.g. float64, is an error naming the parameter). Flax's chunked
// arrays are reassembled; lists (maps "0", "1", ...) keep their index as a path element;
// non-array leaves (Python numbers, strings, None) are skipped.
// Throws vivid::Error naming the file and the problem.
FlaxParams read_flax_params(const std::string& path);

}  // namespace vivid
