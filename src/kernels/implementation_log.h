// Which implementation each kind of layer ran with. oneDNN picks a kernel per primitive and,
// when none of its fast ones accepts the shapes and layouts asked for, silently falls back to
// a reference loop ("ref:..."), 100x slower (PERFORMANCE.md: bf16 q/k/v on AMX). Every
// primitive vivid creates reports here, so `vivid bench --json` and the tests can see it.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace vivid::kernels {

class ImplementationLog {
public:
    // `kind`: a layer kind such as "attention.qkv"; `implementation`: e.g. "brg:avx512_core_bf16".
    void record(const std::string& kind, const std::string& implementation) {
        std::lock_guard<std::mutex> lock(mutex_);
        used_[kind].insert(implementation);
    }
    // kind -> the implementations it used, sorted.
    std::map<std::string, std::vector<std::string>> snapshot() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::map<std::string, std::vector<std::string>> out;
        for (const auto& [kind, impls] : used_) out[kind].assign(impls.begin(), impls.end());
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::set<std::string>> used_;
};

// oneDNN's reference implementations ("ref:any", "ref_int8:any", ...): correct but loops.
inline bool is_reference_implementation(const std::string& implementation) {
    return implementation.rfind("ref", 0) == 0;
}

}  // namespace vivid::kernels
