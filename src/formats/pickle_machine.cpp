#include "formats/pickle_machine.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vivid/vivid.h"

namespace vivid {
namespace {

// Opcode bytes as CPython's Lib/pickle.py names them.
enum Op : uint8_t {
    MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I',
    BININT = 'J', BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P',
    BINPERSID = 'Q', REDUCE = 'R', STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U',
    UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd',
    EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h', INST = 'i', LONG_BINGET = 'j',
    LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q', LONG_BINPUT = 'r',
    SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
    PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85,
    TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
    BINBYTES = 'B', SHORT_BINBYTES = 'C', SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d,
    BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92,
    STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95, BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97,
    READONLY_BUFFER = 0x98,
};

constexpr int kHighestProtocol = 5;

class Machine {
public:
    Machine(std::span<const std::byte> bytes, PickleGlobals* globals, const std::string& source,
            const PickleLimits& limits)
        : bytes_(bytes), globals_(globals), source_(source), limits_(limits) {}

    PickleResult run() {
        while (true) {
            op_offset_ = pos_;
            const uint8_t op = read_u8();
            if (op == STOP) {
                PickleResult result;
                result.root = pop();
                result.arena = std::move(arena_);
                return result;
            }
            step(op);
        }
    }

private:
    [[noreturn]] void fail(const std::string& problem) const {
        throw Error(source_, "pickle: " + problem + " at offset " + std::to_string(op_offset_));
    }

    // ---- reading bytes ----
    std::size_t remaining() const { return bytes_.size() - pos_; }
    const char* take(uint64_t n) {
        if (n > remaining()) fail("truncated data (needs " + std::to_string(n) + " bytes, " +
                                  std::to_string(remaining()) + " left)");
        const char* p = reinterpret_cast<const char*>(bytes_.data() + pos_);
        pos_ += static_cast<std::size_t>(n);
        return p;
    }
    uint8_t read_u8() {
        if (remaining() == 0) fail("data ends before STOP");
        return static_cast<uint8_t>(bytes_[pos_++]);
    }
    uint64_t read_le(int n) {
        const auto* p = reinterpret_cast<const unsigned char*>(take(static_cast<uint64_t>(n)));
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
        return v;
    }
    std::string_view read_line() {
        const char* start = reinterpret_cast<const char*>(bytes_.data() + pos_);
        const void* nl = std::memchr(start, '\n', remaining());
        if (!nl) fail("text argument without a newline");
        const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
        pos_ += len + 1;
        std::string_view line(start, len);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return line;
    }

    // ---- values, stack, marks, memo ----
    PickleId add(PickleValue v) {
        if (arena_.size() >= limits_.max_values) fail("too many values");
        return arena_.add(std::move(v));
    }
    PickleId add_kind(PickleKind kind) {
        PickleValue v;
        v.kind = kind;
        return add(std::move(v));
    }
    void push(PickleId id) {
        if (stack_.size() >= limits_.max_stack) fail("stack limit exceeded");
        stack_.push_back(id);
    }
    std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    PickleId pop() {
        if (stack_.size() <= floor()) fail("stack underflow");
        PickleId id = stack_.back();
        stack_.pop_back();
        return id;
    }
    PickleId top() {
        if (stack_.size() <= floor()) fail("stack underflow");
        return stack_.back();
    }
    std::vector<PickleId> pop_mark() {
        if (marks_.empty()) fail("no MARK on the stack");
        const std::size_t mark = marks_.back();
        marks_.pop_back();
        std::vector<PickleId> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
        stack_.resize(mark);
        return items;
    }
    void memo_put(uint64_t index) {
        PickleId value = top();
        auto it = memo_.find(index);
        if (it == memo_.end() && memo_.size() >= limits_.max_memo) fail("memo limit exceeded");
        memo_[index] = value;
    }
    void memo_get(uint64_t index) {
        auto it = memo_.find(index);
        if (it == memo_.end()) fail("memo key " + std::to_string(index) + " not found");
        push(it->second);
    }

    // ---- constructors ----
    PickleId make_sequence(PickleKind kind, std::vector<PickleId> items) {
        PickleValue v;
        v.kind = kind;
        v.items = std::move(items);
        return add(std::move(v));
    }
    PickleId make_text(PickleKind kind, std::string_view s) {
        PickleValue v;
        v.kind = kind;
        v.text.assign(s);
        return add(std::move(v));
    }
    PickleId make_global(std::string_view module, std::string_view name) {
        PickleValue v;
        v.kind = PickleKind::Global;
        v.text.assign(module);
        v.name.assign(name);
        return add(std::move(v));
    }
    PickleId make_bool(bool b) {
        PickleValue v;
        v.kind = PickleKind::Bool;
        v.boolean = b;
        return add(std::move(v));
    }
    PickleId make_int(int64_t i) {
        PickleValue v;
        v.kind = PickleKind::Int;
        v.integer = i;
        return add(std::move(v));
    }
    PickleId make_float(double d) {
        PickleValue v;
        v.kind = PickleKind::Float;
        v.number = d;
        return add(std::move(v));
    }
    // Little-endian two's complement of any length (LONG1/LONG4).
    PickleId make_long(const unsigned char* p, uint64_t n) {
        if (n == 0) return make_int(0);
        const bool negative = (p[n - 1] & 0x80) != 0;
        for (uint64_t i = 8; i < n; ++i) {
            if (p[i] != (negative ? 0xff : 0x00)) return add_kind(PickleKind::BigInt);
        }
        uint64_t v = negative ? ~uint64_t{0} : 0;
        for (uint64_t i = std::min<uint64_t>(n, 8); i-- > 0;) v = (v << 8) | p[i];
        const bool sign_bit = (v >> 63) != 0;
        if (n >= 8 && sign_bit != negative) return add_kind(PickleKind::BigInt);
        return make_int(static_cast<int64_t>(v));
    }
    // Protocol-0 decimal integers ("I", "L"; "I01"/"I00" are True/False).
    PickleId make_decimal(std::string_view line, bool allow_bool) {
        if (allow_bool && line == "01") return make_bool(true);
        if (allow_bool && line == "00") return make_bool(false);
        if (!line.empty() && line.back() == 'L') line.remove_suffix(1);
        if (!line.empty() && line.front() == '+') line.remove_prefix(1);
        int64_t v = 0;
        auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
        if (ec == std::errc::result_out_of_range) return add_kind(PickleKind::BigInt);
        if (ec != std::errc() || end != line.data() + line.size() || line.empty())
            fail("bad integer literal");
        return make_int(v);
    }
    // Protocol-0 UNICODE is raw-unicode-escape: latin-1 bytes plus \\uXXXX and \\UXXXXXXXX.
    PickleId make_raw_unicode(std::string_view line) {
        std::string out;
        auto put = [&](uint32_t cp) {
            if (cp < 0x80) {
                out += static_cast<char>(cp);
            } else if (cp < 0x800) {
                out += static_cast<char>(0xc0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                out += static_cast<char>(0xe0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
                out += static_cast<char>(0x80 | (cp & 0x3f));
            } else {
                out += static_cast<char>(0xf0 | (cp >> 18));
                out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
                out += static_cast<char>(0x80 | (cp & 0x3f));
            }
        };
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            const std::size_t digits = (c == '\\' && i + 1 < line.size())
                                           ? (line[i + 1] == 'u' ? 4 : line[i + 1] == 'U' ? 8 : 0)
                                           : 0;
            if (digits == 0) {
                put(c);
                continue;
            }
            if (i + 2 + digits > line.size()) fail("truncated \\u escape in UNICODE");
            uint32_t cp = 0;
            auto [end, ec] = std::from_chars(line.data() + i + 2, line.data() + i + 2 + digits, cp, 16);
            if (ec != std::errc() || end != line.data() + i + 2 + digits || cp > 0x10ffff)
                fail("bad \\u escape in UNICODE");
            put(cp);
            i += 1 + digits;
        }
        return make_text(PickleKind::String, out);
    }
    // Protocol-0 strings keep their escapes uninterpreted: only opaque metadata uses them.
    PickleId make_quoted(std::string_view line) {
        if (line.size() < 2 || (line.front() != '\'' && line.front() != '"') ||
            line.back() != line.front())
            fail("bad STRING literal");
        return make_text(PickleKind::Bytes, line.substr(1, line.size() - 2));
    }

    // ---- calls: only the hook builds anything; the rest is opaque ----
    std::string class_name(PickleId callable) const {
        const PickleValue& c = arena_.at(callable);
        return c.kind == PickleKind::Global ? c.text + "." + c.name : c.text;
    }
    PickleId call(PickleId callable, PickleId args, const char* opname) {
        if (globals_ && arena_.at(callable).kind == PickleKind::Global) {
            if (arena_.size() >= limits_.max_values) fail("too many values");
            if (auto built = globals_->call(arena_, callable, args)) return *built;
        }
        return call_opaque(callable, opname);
    }
    PickleId call_opaque(PickleId callable, const char* opname) {
        const PickleKind kind = arena_.at(callable).kind;
        if (kind != PickleKind::Global && kind != PickleKind::Object)
            fail(std::string(opname) + " on " + arena_.describe(callable) +
                 ", not a class or function");
        if (arena_.size() >= limits_.max_values) fail("too many values");
        return arena_.make_object(class_name(callable));
    }
    PickleId persistent(PickleId pid) {
        if (globals_) {
            if (auto built = globals_->persistent_load(arena_, pid)) return *built;
        }
        if (arena_.size() >= limits_.max_values) fail("too many values");
        return arena_.make_object("persistent id");
    }

    // ---- container mutation ----
    void append_items(PickleId target, const std::vector<PickleId>& items, PickleKind want,
                      const char* opname) {
        PickleValue& t = arena_.at(target);
        if (t.kind == PickleKind::Object) return;  // opaque subclass: its content is dropped
        if (t.kind != want)
            fail(std::string(opname) + " into " + arena_.describe(target));
        if (want == PickleKind::Dict && items.size() % 2 != 0) fail("odd number of SETITEMS items");
        t.items.insert(t.items.end(), items.begin(), items.end());
    }

    void step(uint8_t op);
    bool step_control(uint8_t op);
    bool step_number(uint8_t op);
    bool step_text(uint8_t op);
    bool step_container(uint8_t op);
    bool step_memo(uint8_t op);
    bool step_object(uint8_t op);
    uint64_t read_decimal_index() {
        std::string_view line = read_line();
        uint64_t index = 0;
        auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), index);
        if (ec != std::errc() || end != line.data() + line.size() || line.empty())
            fail("bad memo index");
        return index;
    }

    std::span<const std::byte> bytes_;
    PickleGlobals* globals_;
    const std::string& source_;
    const PickleLimits& limits_;
    PickleArena arena_;
    std::vector<PickleId> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<uint64_t, PickleId> memo_;
    std::size_t pos_ = 0;
    std::size_t op_offset_ = 0;
};

// Each group returns false for opcodes it does not own; step() tries them in turn.
void Machine::step(uint8_t op) {
    if (step_control(op) || step_number(op) || step_text(op) || step_container(op) ||
        step_memo(op) || step_object(op))
        return;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op);
    fail(std::string("unsupported opcode ") + hex);
}

bool Machine::step_control(uint8_t op) {
    switch (op) {
        case PROTO: {
            const uint8_t proto = read_u8();
            if (proto > kHighestProtocol) fail("unsupported protocol " + std::to_string(proto));
            return true;
        }
        case FRAME:
            // Frames only batch reads; the data is all in memory already.
            if (read_le(8) > remaining()) fail("frame longer than the data");
            return true;
        case MARK:
            if (marks_.size() >= limits_.max_marks) fail("too many nested MARKs");
            marks_.push_back(stack_.size());
            return true;
        case POP:
            if (stack_.size() > floor()) stack_.pop_back();
            else pop_mark();  // as CPython: POP right after MARK drops the mark
            return true;
        case POP_MARK: pop_mark(); return true;
        case DUP: push(top()); return true;
        case READONLY_BUFFER: top(); return true;
        default: return false;
    }
}

bool Machine::step_number(uint8_t op) {
    switch (op) {
        case NONE: push(add_kind(PickleKind::None)); return true;
        case NEWTRUE: push(make_bool(true)); return true;
        case NEWFALSE: push(make_bool(false)); return true;
        case BININT: push(make_int(static_cast<int32_t>(static_cast<uint32_t>(read_le(4))))); return true;
        case BININT1: push(make_int(static_cast<int64_t>(read_le(1)))); return true;
        case BININT2: push(make_int(static_cast<int64_t>(read_le(2)))); return true;
        case LONG1: {
            const uint64_t n = read_le(1);
            push(make_long(reinterpret_cast<const unsigned char*>(take(n)), n));
            return true;
        }
        case LONG4: {
            const auto n = static_cast<int32_t>(static_cast<uint32_t>(read_le(4)));
            if (n < 0) fail("negative LONG4 length");
            const auto len = static_cast<uint64_t>(n);
            push(make_long(reinterpret_cast<const unsigned char*>(take(len)), len));
            return true;
        }
        case INT: push(make_decimal(read_line(), true)); return true;
        case LONG: push(make_decimal(read_line(), false)); return true;
        case BINFLOAT: {
            const auto* p = reinterpret_cast<const unsigned char*>(take(8));
            uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
            double d;
            std::memcpy(&d, &bits, sizeof d);
            push(make_float(d));
            return true;
        }
        case FLOAT: {
            std::string_view line = read_line();
            double d = 0;
            auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), d);
            if (ec != std::errc() || end != line.data() + line.size()) fail("bad float literal");
            push(make_float(d));
            return true;
        }
        default: return false;
    }
}

bool Machine::step_text(uint8_t op) {
    // Length-prefixed strings and bytes: (prefix width, kind).
    int width = 0;
    PickleKind kind = PickleKind::Bytes;
    switch (op) {
        case SHORT_BINUNICODE: width = 1; kind = PickleKind::String; break;
        case BINUNICODE: width = 4; kind = PickleKind::String; break;
        case BINUNICODE8: width = 8; kind = PickleKind::String; break;
        case SHORT_BINBYTES: case SHORT_BINSTRING: width = 1; break;
        case BINBYTES: width = 4; break;
        case BINBYTES8: case BYTEARRAY8: width = 8; break;
        case BINSTRING: {
            const auto n = static_cast<int32_t>(static_cast<uint32_t>(read_le(4)));
            if (n < 0) fail("negative BINSTRING length");
            const auto len = static_cast<std::size_t>(n);
            push(make_text(PickleKind::Bytes, {take(len), len}));
            return true;
        }
        case UNICODE: push(make_raw_unicode(read_line())); return true;
        case STRING: push(make_quoted(read_line())); return true;
        default: return false;
    }
    const uint64_t n = read_le(width);
    push(make_text(kind, {take(n), static_cast<std::size_t>(n)}));
    return true;
}

bool Machine::step_container(uint8_t op) {
    using K = PickleKind;
    switch (op) {
        case EMPTY_TUPLE: push(make_sequence(K::Tuple, {})); return true;
        case TUPLE1: { PickleId a = pop(); push(make_sequence(K::Tuple, {a})); return true; }
        case TUPLE2: { PickleId b = pop(); PickleId a = pop(); push(make_sequence(K::Tuple, {a, b})); return true; }
        case TUPLE3: {
            PickleId c = pop(); PickleId b = pop(); PickleId a = pop();
            push(make_sequence(K::Tuple, {a, b, c}));
            return true;
        }
        case TUPLE: push(make_sequence(K::Tuple, pop_mark())); return true;
        case EMPTY_LIST: push(make_sequence(K::List, {})); return true;
        case LIST: push(make_sequence(K::List, pop_mark())); return true;
        case EMPTY_DICT: push(make_sequence(K::Dict, {})); return true;
        case DICT: {
            std::vector<PickleId> items = pop_mark();
            if (items.size() % 2 != 0) fail("odd number of DICT items");
            push(make_sequence(K::Dict, std::move(items)));
            return true;
        }
        case EMPTY_SET: push(make_sequence(K::Set, {})); return true;
        case FROZENSET: push(make_sequence(K::Set, pop_mark())); return true;
        case APPEND: { PickleId v = pop(); append_items(top(), {v}, K::List, "APPEND"); return true; }
        case APPENDS: { auto items = pop_mark(); append_items(top(), items, K::List, "APPENDS"); return true; }
        case SETITEM: {
            PickleId v = pop(); PickleId k = pop();
            append_items(top(), {k, v}, K::Dict, "SETITEM");
            return true;
        }
        case SETITEMS: { auto items = pop_mark(); append_items(top(), items, K::Dict, "SETITEMS"); return true; }
        case ADDITEMS: { auto items = pop_mark(); append_items(top(), items, K::Set, "ADDITEMS"); return true; }
        default: return false;
    }
}

bool Machine::step_memo(uint8_t op) {
    switch (op) {
        case PUT: memo_put(read_decimal_index()); return true;
        case GET: memo_get(read_decimal_index()); return true;
        case BINPUT: memo_put(read_le(1)); return true;
        case LONG_BINPUT: memo_put(read_le(4)); return true;
        case MEMOIZE: memo_put(memo_.size()); return true;
        case BINGET: memo_get(read_le(1)); return true;
        case LONG_BINGET: memo_get(read_le(4)); return true;
        default: return false;
    }
}

// Globals, calls and persistent ids: names only; building is the hook's job or nobody's.
bool Machine::step_object(uint8_t op) {
    switch (op) {
        case GLOBAL: {
            std::string module(read_line());
            push(make_global(module, read_line()));
            return true;
        }
        case STACK_GLOBAL: {
            PickleId name = pop();
            PickleId module = pop();
            if (arena_.at(name).kind != PickleKind::String || arena_.at(module).kind != PickleKind::String)
                fail("STACK_GLOBAL needs two strings");
            std::string m = arena_.at(module).text, n = arena_.at(name).text;
            push(make_global(m, n));
            return true;
        }
        case REDUCE: { PickleId args = pop(); PickleId fn = pop(); push(call(fn, args, "REDUCE")); return true; }
        case NEWOBJ: { PickleId args = pop(); PickleId cls = pop(); push(call(cls, args, "NEWOBJ")); return true; }
        case NEWOBJ_EX: {
            PickleId kwargs = pop();
            PickleId args = pop();
            PickleId cls = pop();
            const PickleValue& kw = arena_.at(kwargs);
            const bool plain = kw.kind == PickleKind::Dict && kw.items.empty();
            // Keyword arguments are beyond the allow-list: such an object stays opaque.
            push(plain ? call(cls, args, "NEWOBJ_EX") : call_opaque(cls, "NEWOBJ_EX"));
            return true;
        }
        case INST: {
            std::string module(read_line());
            std::string name(read_line());
            PickleId args = make_sequence(PickleKind::Tuple, pop_mark());
            push(call(make_global(module, name), args, "INST"));
            return true;
        }
        case OBJ: {
            std::vector<PickleId> items = pop_mark();
            if (items.empty()) fail("OBJ without a class");
            PickleId cls = items.front();
            items.erase(items.begin());
            push(call(cls, make_sequence(PickleKind::Tuple, std::move(items)), "OBJ"));
            return true;
        }
        case BUILD:
            pop();  // the state: Python would run __setstate__ or update __dict__; we never do
            top();
            return true;
        case BINPERSID: { PickleId pid = pop(); push(persistent(pid)); return true; }
        case PERSID: push(persistent(make_text(PickleKind::String, read_line()))); return true;
        default: return false;  // EXT1/2/4 (copyreg registry) and NEXT_BUFFER are unsupported
    }
}

}  // namespace

PickleResult run_pickle(std::span<const std::byte> bytes, PickleGlobals* globals,
                        const std::string& source, const PickleLimits& limits) {
    return Machine(bytes, globals, source, limits).run();
}

}  // namespace vivid
