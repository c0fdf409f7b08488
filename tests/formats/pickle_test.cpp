// The restricted pickle machine: values against Python's own pickles (protocols 0-5, expected
// values written by Python in tests/data/torch/pickles/values.json), hand-assembled opcodes
// from the pickle spec, limits, cycles, and globals that must never run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "formats/pickle_machine.h"
#include "formats/pickle_torch_globals.h"
#include "test_support.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

using nlohmann::json;

std::span<const std::byte> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

PickleResult run(const std::string& bytes, PickleGlobals* globals = nullptr,
                 const PickleLimits& limits = {}) {
    return run_pickle(as_bytes(bytes), globals, "test.pkl", limits);
}

// A byte string literal that may hold NULs.
template <std::size_t N> std::string B(const char (&s)[N]) { return std::string(s, N - 1); }

std::string hex(const std::string& s) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// The JSON convention of make_torch_fixtures.py's describe(). Iterative depth is small here.
json describe(const PickleArena& arena, PickleId id, int depth = 0) {
    if (depth > 32) return "too deep";
    const PickleValue& v = arena.at(id);
    auto items = [&](std::size_t from, std::size_t step) {
        json a = json::array();
        for (std::size_t i = from; i < v.items.size(); i += step)
            a.push_back(describe(arena, v.items[i], depth + 1));
        return a;
    };
    switch (v.kind) {
        case PickleKind::None: return nullptr;
        case PickleKind::Bool: return v.boolean;
        case PickleKind::Int: return v.integer;
        case PickleKind::BigInt: return {{"bigint", true}};
        case PickleKind::Float: return {{"float", v.number}};
        case PickleKind::String: return v.text;
        case PickleKind::Bytes: return {{"bytes", hex(v.text)}};
        case PickleKind::Tuple: return {{"tuple", items(0, 1)}};
        case PickleKind::List: return items(0, 1);
        case PickleKind::Set: return {{"set", items(0, 1)}};
        case PickleKind::Dict: {
            json pairs = json::array();
            for (std::size_t i = 0; i + 1 < v.items.size(); i += 2)
                pairs.push_back({describe(arena, v.items[i], depth + 1),
                                 describe(arena, v.items[i + 1], depth + 1)});
            return {{"dict", pairs}};
        }
        case PickleKind::Global: return {{"global", v.text + "." + v.name}};
        case PickleKind::Object: return {{"object", "opaque"}};
        case PickleKind::Extension: return {{"extension", v.integer}};
    }
    return "?";
}

std::string error_of(const std::string& bytes, const PickleLimits& limits = {}) {
    try {
        run(bytes, nullptr, limits);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(PickleMachine, MatchesPythonValuesForEveryProtocol) {
    const auto dir = test::data_dir() / "torch" / "pickles";
    const json expected = json::parse(test::read_bytes(dir / "values.json"));
    ASSERT_EQ(expected.size(), 6u);
    for (const auto& [file, value] : expected.items()) {
        SCOPED_TRACE(file);
        TorchPickleGlobals globals;
        PickleResult r = run(test::read_bytes(dir / file), &globals);
        EXPECT_EQ(describe(r.arena, r.root), value);
    }
}

TEST(PickleMachine, MemoSharesOneValue) {
    // [x, x] where x = [1, 2]: both entries are the same arena value, like Python's identity.
    TorchPickleGlobals globals;
    const auto dir = test::data_dir() / "torch" / "pickles";
    PickleResult r = run(test::read_bytes(dir / "values_p2.pkl"), &globals);
    auto shared = r.arena.dict_get(r.root, "shared");
    ASSERT_TRUE(shared);
    const PickleValue& list = r.arena.at(*shared);
    ASSERT_EQ(list.items.size(), 2u);
    EXPECT_EQ(list.items[0], list.items[1]);
}

TEST(PickleMachine, HandAssembledOpcodes) {
    // BINFLOAT is big-endian; LONG1 is little-endian two's complement.
    PickleResult f = run(std::string("G\x3f\xf8\0\0\0\0\0\0.", 10));
    EXPECT_EQ(f.arena.at(f.root).number, 1.5);
    PickleResult neg = run(std::string("\x80\x02\x8a\x01\xff.", 6));
    EXPECT_EQ(neg.arena.at(neg.root).integer, -1);
    PickleResult zero = run(std::string("\x80\x02\x8a\x00.", 5));
    EXPECT_EQ(zero.arena.at(zero.root).integer, 0);
    PickleResult big = run(std::string("\x8a\x09\0\0\0\0\0\0\0\0\x01.", 12));
    EXPECT_EQ(big.arena.at(big.root).kind, PickleKind::BigInt);
    PickleResult min64 = run(std::string("\x8a\x08\0\0\0\0\0\0\0\x80.", 11));
    EXPECT_EQ(min64.arena.at(min64.root).integer, INT64_MIN);
    PickleResult pos_big = run(std::string("\x8a\x09\0\0\0\0\0\0\0\x80\0.", 12));  // 2^63
    EXPECT_EQ(pos_big.arena.at(pos_big.root).kind, PickleKind::BigInt);
    // Protocol 4 framing, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, TUPLE3.
    const std::string p4 = std::string("\x80\x04\x95\x10\0\0\0\0\0\0\0", 11) +
                           "\x8c\x01" "a\x94\x8c\x01" "b\x94\x93\x94K\x01K\x02K\x03\x87.";
    PickleResult r = run(p4);
    EXPECT_EQ(describe(r.arena, r.root), json({{"tuple", {1, 2, 3}}}));
    // The GLOBAL made by STACK_GLOBAL above was memoized as entry 2, a string as 0.
    PickleResult g = run(std::string("\x8c\x01" "a\x94\x8c\x01" "b\x94\x93\x94h\x02.", 13));
    EXPECT_EQ(describe(g.arena, g.root), json({{"global", "a.b"}}));
}

TEST(PickleMachine, GlobalsAreNeverCalled) {
    const std::filesystem::path marker = std::filesystem::temp_directory_path() / "vivid_pickle_marker";
    std::filesystem::remove(marker);
    const std::string touch = "touch " + marker.string();
    // Protocol 0: os.system('touch ...') and builtins.eval via REDUCE; INST and OBJ forms too.
    const std::string reduce = "cos\nsystem\n(V" + touch + "\ntR.";
    const std::string eval = "cbuiltins\neval\n(V__import__('os').system('" + touch + "')\ntR.";
    const std::string inst = "(V" + touch + "\nios\nsystem\n.";
    const std::string obj = "(cos\nsystem\nV" + touch + "\no.";
    for (const std::string& bytes : {reduce, eval, inst, obj}) {
        TorchPickleGlobals globals;
        PickleResult r = run(bytes, &globals);
        const PickleValue& v = r.arena.at(r.root);
        EXPECT_EQ(v.kind, PickleKind::Object);
        EXPECT_TRUE(v.text == "os.system" || v.text == "builtins.eval") << v.text;
    }
    EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(PickleMachine, NewObjAndBuildStayOpaque) {
    // argparse.Namespace as protocol 2 writes it: copyreg.__newobj__ -> NEWOBJ, then BUILD(dict).
    const std::string ns = B("\x80\x02" "cargparse\nNamespace\nq\x00)\x81q\x01}q\x02X\x02\0\0\0lrq\x03G"
                             "\x3f\xb9\x99\x99\x99\x99\x99\x9a" "sb.");
    PickleResult r = run(ns);
    EXPECT_EQ(r.arena.at(r.root).kind, PickleKind::Object);
    EXPECT_EQ(r.arena.at(r.root).text, "argparse.Namespace");
    EXPECT_EQ(r.arena.describe(r.root), "an opaque argparse.Namespace object");
}

TEST(PickleMachine, CyclesAndDeepNestingAreSafe) {
    // A list appended to itself (l = []; l.append(l)).
    PickleResult cycle = run(B("]q\x00h\x00" "a."));
    const PickleValue& l = cycle.arena.at(cycle.root);
    ASSERT_EQ(l.items.size(), 1u);
    EXPECT_EQ(l.items[0], cycle.root);
    // One million nested 1-tuples: no recursion anywhere.
    std::string deep = ")";  // built by appending: GCC 12 warns falsely on "literal" + std::string
    deep.append(1000000, '\x85');
    deep += ".";
    PickleResult nested = run(deep);
    EXPECT_EQ(nested.arena.size(), 1000001u);
}

TEST(PickleMachine, ErrorsNameTheProblemAndOffset) {
    EXPECT_NE(error_of(std::string("\x80\x02\xff", 3)).find("test.pkl: pickle: unsupported opcode 0xff at offset 2"),
              std::string::npos);
    EXPECT_NE(error_of(std::string("\x80\x02X\x10\0\0\0ab", 9)).find("truncated data"), std::string::npos);
    EXPECT_NE(error_of(std::string("\x80\x02N", 3)).find("data ends before STOP"), std::string::npos);
    EXPECT_NE(error_of(std::string("\x80\x02.", 3)).find("stack underflow at offset 2"), std::string::npos);
    EXPECT_NE(error_of(std::string("\x80\x06N.", 4)).find("unsupported protocol 6"), std::string::npos);
    EXPECT_NE(error_of("h\x05.").find("memo key 5 not found"), std::string::npos);
    EXPECT_NE(error_of("K\x01K\x02R.").find("REDUCE on an int, not a class or function"), std::string::npos);
    EXPECT_NE(error_of("K\x01K\x02" "a.").find("APPEND into an int"), std::string::npos);
    EXPECT_NE(error_of("N(\x85.").find("stack underflow"), std::string::npos) << "TUPLE must not see below its MARK";
    EXPECT_NE(error_of("(Nu.").find("stack underflow"), std::string::npos);
    EXPECT_NE(error_of(std::string(70000, '(')).find("too many nested MARKs"), std::string::npos);
    EXPECT_NE(error_of(std::string("\x8b\xff\xff\xff\xff.", 6)).find("negative LONG4 length"), std::string::npos);
    EXPECT_NE(error_of(std::string("\x8d\xff\xff\xff\xff\xff\xff\xff\xff", 9)).find("truncated data"), std::string::npos);
    EXPECT_NE(error_of(std::string("\x82\x01.", 3)).find("unsupported opcode 0x82"), std::string::npos);
    EXPECT_NE(error_of("Vab\\u12").find("newline"), std::string::npos);
    EXPECT_NE(error_of("Vab\\u12\n.").find("truncated \\u escape"), std::string::npos);
    EXPECT_NE(error_of("Ixyz\n.").find("bad integer literal"), std::string::npos);
}

TEST(PickleMachine, LimitsAreEnforced) {
    PickleLimits small;
    small.max_stack = 10;
    small.max_memo = 2;
    small.max_values = 20;
    EXPECT_NE(error_of(std::string(11, 'N') + ".", small).find("stack limit exceeded"), std::string::npos);
    EXPECT_NE(error_of(B("Nq\x00q\x01q\x02."), small).find("memo limit exceeded"), std::string::npos);
    std::string many = "N";
    many.append(25, '\x85');
    many += ".";
    EXPECT_NE(error_of(many, small).find("too many values"), std::string::npos);
}

}  // namespace
}  // namespace vivid
