#include "vivid/vivid.h"


namespace vivid {

const char* precision_name(Precision precision) {
    switch (precision) {
        case Precision::BF16: return "bf16";
        case Precision::INT8: return "int8";
        case Precision::F32: break;
    }
    return "fp32";
}

Precision parse_precision(const std::string& name, const std::string& source) {
    if (name == "fp32" || name == "f32") return Precision::F32;
    if (name == "bf16") return Precision::BF16;
    if (name == "int8") return Precision::INT8;
    throw Error(source, "precision '" + name + "' is not one of fp32, bf16, int8");
}

}  // namespace vivid
