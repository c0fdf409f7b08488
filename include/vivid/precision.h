// Arithmetic precision of a model's linear layers.
#pragma once

#include <string>

namespace vivid {

// F32 is the default and the path held to the 1e-4 logit contract. BF16 stores weights and
// feeds inputs as bfloat16 with float32 accumulation (LayerNorm, softmax, attention and the
// residual stream stay float32); it needs a CPU with AVX512-BF16 or AMX.
enum class Precision { F32, BF16 };

// "fp32" / "bf16"; parse_precision throws vivid::Error naming `source` for anything else.
const char* precision_name(Precision precision);
Precision parse_precision(const std::string& name, const std::string& source);

}  // namespace vivid
