// A restricted, non-executing pickle machine (protocols 0-5, the opcodes torch.save writes and
// the common ones around them).
//
// Written by hand because no C++ library offers an unpickler that refuses to execute: pickle's
// GLOBAL + REDUCE is a function call by design, and every reader we know of (Python's own,
// pickle ports, torch's C++ unpickler) resolves globals to code. Here a global is only a name;
// REDUCE / NEWOBJ on it ask a PickleGlobals hook, which builds values for an allow-list, and
// everything else becomes an opaque Object that is never called. Every read is bounds-checked,
// the stack, marks, memo and value count are capped, and nothing recurses on pickle data.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "formats/pickle_value.h"

namespace vivid {

// The allow-list: what REDUCE/NEWOBJ of a global and BINPERSID/PERSID produce.
class PickleGlobals {
public:
    virtual ~PickleGlobals() = default;
    // `callable` is a Global or an opaque Object; `args` is usually a tuple. Return the value
    // built, or nullopt to let the machine make an opaque Object. Must never execute anything.
    virtual std::optional<PickleId> call(PickleArena& arena, PickleId callable, PickleId args) = 0;
    // A persistent id (torch: a storage reference). nullopt -> an opaque Object.
    virtual std::optional<PickleId> persistent_load(PickleArena& arena, PickleId pid) = 0;
};

struct PickleLimits {
    std::size_t max_stack = std::size_t{1} << 20;   // stack entries, all marks together
    std::size_t max_marks = std::size_t{1} << 16;   // nested MARKs
    std::size_t max_memo = std::size_t{1} << 20;    // memo entries
    std::size_t max_values = std::size_t{1} << 21;  // values created (~120 bytes each)
};

struct PickleResult {
    PickleArena arena;
    PickleId root = 0;
};

// Runs `bytes` to STOP. Throws vivid::Error(source, "pickle: <problem> at offset N") on any
// malformed, unsupported or over-limit input. `globals` may be null (everything opaque).
PickleResult run_pickle(std::span<const std::byte> bytes, PickleGlobals* globals,
                        const std::string& source, const PickleLimits& limits = {});

}  // namespace vivid
