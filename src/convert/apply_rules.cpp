#include <regex>

#include "convert/conversion_rules.h"
#include "convert/tensor_transforms.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

void require_rank(const Tensor& t, int64_t rank, const std::string& name, const std::string& checkpoint) {
    if (t.dim() != rank)
        throw Error(checkpoint, "parameter '" + name + "' has shape " + shape_to_string(t.shape()) + ", expected " +
                                    std::to_string(rank) + " dimensions");
}

// The tensor itself when it is already dense: converted weights share the mapped
// checkpoint's bytes, so a conversion holds about one copy of the weights, not two.
Tensor dense(const Tensor& t) { return t.is_contiguous() ? t : t.contiguous_copy(); }

std::vector<Tensor> transform(const Tensor& t, Transform how, const std::string& name,
                              const std::string& checkpoint) {
    switch (how) {
        case Transform::Copy:
            return {dense(t)};
        case Transform::Transpose:
            if (t.dim() == 1) return {dense(t)};  // numpy transposes 1-D as a no-op
            require_rank(t, 2, name, checkpoint);
            return {permute(t, {1, 0})};
        case Transform::FlaxConv3d:
            require_rank(t, 5, name, checkpoint);
            return {permute(t, {4, 3, 0, 1, 2})};
        case Transform::FlaxHeadsKernel:
            require_rank(t, 3, name, checkpoint);
            return {permute(t.contiguous_copy().reshape({t.size(0), t.size(1) * t.size(2)}), {1, 0})};
        case Transform::FlaxHeadsBias:
            require_rank(t, 2, name, checkpoint);
            return {t.contiguous_copy().reshape({t.numel()})};
        case Transform::FlaxOutKernel:
            require_rank(t, 3, name, checkpoint);
            return {permute(t.contiguous_copy().reshape({t.size(0) * t.size(1), t.size(2)}), {1, 0})};
        case Transform::SplitQkvRows:
            require_rank(t, 2, name, checkpoint);
            if (t.size(0) % 3 != 0)
                throw Error(checkpoint, "parameter '" + name + "' has " + std::to_string(t.size(0)) +
                                            " rows, not a multiple of 3 (query, key, value)");
            return {split_rows(t, 3, 0), split_rows(t, 3, 1), split_rows(t, 3, 2)};
        case Transform::Drop:
            return {};
    }
    return {};
}

std::string without_prefixes(std::string name, const std::vector<std::string>& prefixes) {
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (const std::string& prefix : prefixes)
            if (name.starts_with(prefix)) {
                name.erase(0, prefix.size());
                stripped = true;
            }
    }
    return name;
}

}  // namespace

ConvertedTensors apply_rules(const RuleTable& table, const TensorMap& source, const std::string& checkpoint) {
    std::vector<std::pair<std::regex, const ConversionRule*>> compiled;
    for (const ConversionRule& r : table.rules) compiled.emplace_back(std::regex(r.pattern), &r);
    ConvertedTensors out;
    for (const auto& [original, tensor] : source) {
        const std::string name = without_prefixes(original, table.strip_prefixes);
        std::smatch m;
        const ConversionRule* rule = nullptr;
        for (const auto& [re, r] : compiled)
            if (std::regex_match(name, m, re)) {
                rule = r;
                break;
            }
        if (!rule) {
            const std::string msg = "parameter '" + original + "' has no place in an HF " + table.family + " model";
            if (table.unmatched_is_error) throw Error(checkpoint, msg);
            out.warnings.push_back(msg + "; skipped");
            continue;
        }
        if (rule->transform == Transform::Drop) {
            out.warnings.push_back("parameter '" + original + "' is dropped, as the reference converter does");
            continue;
        }
        std::vector<Tensor> parts = transform(tensor, rule->transform, original, checkpoint);
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const std::string target = m.format(rule->targets.at(i));
            if (!out.tensors.emplace(target, parts[i]).second)
                throw Error(checkpoint, "two parameters map to '" + target + "' (the second is '" + original + "')");
        }
    }
    return out;
}

}  // namespace vivid
