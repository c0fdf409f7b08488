// Reading PyTorch torch.save checkpoints (zip format, torch >= 1.6; also HF pytorch_model.bin)
// without executing anything: a restricted unpickler understands only the globals that weights
// need, and everything else in the file (optimizer state, argparse args...) stays opaque.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace vivid {

struct TorchStateDict {
    TensorMap tensors;               // weight name -> tensor
    std::vector<std::string> order;  // names in the order the pickle lists them
    std::string source_key;          // "model", "module", or "" when the top-level object is itself the state dict
};

// Reads a torch.save zip checkpoint (also HF pytorch_model.bin). Weights come from the top-level
// dict's "model" entry if present, else "module", else the top-level dict itself (like the HF
// VideoMAE converter). Tensors whose storage is stored uncompressed and laid out contiguously
// are zero-copy read-only views into the mapped file; others are copied. Weight dtypes: F32,
// F16, BF16, I64, I32, U8, Bool; a weight stored as float64 (or int16/int8/complex) is an error.
// Throws vivid::Error(path, ...) on anything malformed, including the legacy pre-1.6 format.
TorchStateDict read_torch_state_dict(const std::string& path);

}  // namespace vivid
