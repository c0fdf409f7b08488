// Conversion as data: a table of (source name pattern -> HF name(s), transform). A new
// checkpoint family is a new table, not new control flow.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace vivid {

enum class Transform {
    Copy,             // as is (the checkpoint's bytes, not copied)
    Transpose,        // 2-D kernel (in, out) -> Linear weight (out, in)
    FlaxConv3d,       // (t, h, w, C, D) -> (D, C, t, h, w)
    FlaxHeadsKernel,  // (D, H, dh) -> (D, H*dh) -> transpose
    FlaxHeadsBias,    // (H, dh) -> (H*dh)
    FlaxOutKernel,    // (H, dh, D) -> (H*dh, D) -> transpose
    SplitQkvRows,     // (3D, D) -> three (D, D): targets are query, key, value
    Drop,             // the reference converter drops this tensor silently
};

struct ConversionRule {
    std::string pattern;               // ECMAScript regex over the whole source name
    std::vector<std::string> targets;  // "$1"-style templates; three for SplitQkvRows
    Transform transform = Transform::Copy;
};

struct RuleTable {
    std::string family;  // e.g. "VideoMAE (MCG-NJU original)"
    // Taken off the front of each source name before matching, as often as any of them is
    // there and in any order: wrappers that only rename (torch.compile's "_orig_mod.", the
    // original VideoMAE pre-training "encoder.").
    std::vector<std::string> strip_prefixes;
    std::vector<ConversionRule> rules;
    // Source names no rule matches: an error (the HF model's strict load would refuse them),
    // or skipped with a warning (the HF converter only picks the names it knows).
    bool unmatched_is_error = true;
};

const RuleTable& videomae_rule_table();
const RuleTable& vivit_rule_table();
const RuleTable& vivit_factorised_rule_table();  // Scenic's Model 2 (Spatial/TemporalTransformer)

struct ConvertedTensors {
    TensorMap tensors;
    std::vector<std::string> warnings;
};

// Applies `table` to every source tensor. `checkpoint` names the file in errors.
ConvertedTensors apply_rules(const RuleTable& table, const TensorMap& source,
                             const std::string& checkpoint);

}  // namespace vivid
