#include "vivid/vivid.h"


namespace vivid {

const char* precision_name(Precision precision) { return precision == Precision::BF16 ? "bf16" : "fp32"; }

Precision parse_precision(const std::string& name, const std::string& source) {
    if (name == "fp32" || name == "f32") return Precision::F32;
    if (name == "bf16") return Precision::BF16;
    throw Error(source, "precision '" + name + "' is not one of fp32, bf16");
}

}  // namespace vivid
