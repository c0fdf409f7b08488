// .npy reader and writer. The header is a Python dict literal; numpy writes it in one fixed
// form ({'descr': ..., 'fortran_order': ..., 'shape': (...), }), and no Debian C++ library
// reads .npy, so this small hand-written parser accepts exactly that grammar, checking every
// byte and size before the data is used.
#include "formats/npy.h"

#include <cstring>
#include <limits>
#include <string_view>

#include "core/atomic_output.h"
#include "vivid/vivid.h"
#include "core/mapped_file.h"

namespace vivid {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

struct NpyHeader {
    DType dtype = DType::U8;
    Shape shape;
    std::size_t data_offset = 0;
};

struct DTypeSpelling {
    std::string_view descr;
    DType dtype;
};
constexpr DTypeSpelling kDTypes[] = {
    {"|u1", DType::U8},  {"<u1", DType::U8},  {"|b1", DType::Bool}, {"<f4", DType::F32},
    {"<i4", DType::I32}, {"<i8", DType::I64},
};

// A cursor over the header dict text; every read is bounds-checked.
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& source) : s_(text), source_(source) {}

    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
    }
    bool consume(char c) {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!consume(c)) fail(std::string("expected '") + c + "'");
    }
    std::string_view quoted() {
        skip_space();
        if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("expected a string");
        const char quote = s_[pos_++];
        const std::size_t end = s_.find(quote, pos_);
        if (end == std::string_view::npos) fail("unterminated string");
        std::string_view out = s_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return out;
    }
    bool boolean() {
        skip_space();
        if (s_.substr(pos_, 4) == "True") return pos_ += 4, true;
        if (s_.substr(pos_, 5) == "False") return pos_ += 5, false;
        fail("expected True or False");
    }
    int64_t dimension() {
        skip_space();
        int64_t value = 0;
        std::size_t digits = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
            if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("dimension too large");
            value = value * 10 + (s_[pos_++] - '0');
            ++digits;
        }
        if (digits == 0) fail("expected a dimension");
        return value;
    }
    Shape shape_tuple() {
        expect('(');
        Shape shape;
        while (!consume(')')) {
            shape.push_back(dimension());
            if (!consume(',')) {
                expect(')');
                break;
            }
        }
        return shape;
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw Error(source_, "bad .npy header: " + what);
    }

private:
    std::string_view s_;
    const std::string& source_;
    std::size_t pos_ = 0;
};

DType dtype_from_descr(std::string_view descr, const std::string& source) {
    for (const auto& d : kDTypes)
        if (d.descr == descr) return d.dtype;
    throw Error(source, "unsupported .npy dtype '" + std::string(descr) +
                            "' (supported: |u1, |b1, <f4, <i4, <i8)");
}

std::string_view descr_of(DType dtype) {
    switch (dtype) {
        case DType::U8: return "|u1";
        case DType::Bool: return "|b1";
        case DType::F32: return "<f4";
        case DType::I32: return "<i4";
        case DType::I64: return "<i8";
        default: return {};
    }
}

NpyHeader parse_header(std::string_view bytes, const std::string& source) {
    if (bytes.size() < 10 || bytes.substr(0, 6) != kMagic) throw Error(source, "not a .npy file (no \\x93NUMPY magic)");
    const auto major = static_cast<unsigned char>(bytes[6]);
    std::size_t header_len = 0, prefix = 0;
    if (major == 1) {
        header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw Error(source, "truncated .npy header");
        for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
        prefix = 12;
    } else {
        throw Error(source, "unsupported .npy format version " + std::to_string(major));
    }
    if (header_len > bytes.size() - prefix) throw Error(source, "truncated .npy header");

    HeaderParser p(bytes.substr(prefix, header_len), source);
    NpyHeader h;
    h.data_offset = prefix + header_len;
    bool have_descr = false, have_order = false, have_shape = false;
    p.expect('{');
    while (!p.consume('}')) {
        const std::string_view key = p.quoted();
        p.expect(':');
        if (key == "descr") {
            h.dtype = dtype_from_descr(p.quoted(), source);
            have_descr = true;
        } else if (key == "fortran_order") {
            if (p.boolean()) throw Error(source, "Fortran-order .npy arrays are not supported");
            have_order = true;
        } else if (key == "shape") {
            h.shape = p.shape_tuple();
            have_shape = true;
        } else {
            p.fail("unknown key '" + std::string(key) + "'");
        }
        if (!p.consume(',')) {
            p.expect('}');
            break;
        }
    }
    if (!have_descr || !have_order || !have_shape) p.fail("missing descr, fortran_order or shape");
    return h;
}

}  // namespace

Tensor parse_npy(std::shared_ptr<Storage> bytes, const std::string& source) {
    const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    const NpyHeader h = parse_header(text, source);

    // Element count and byte size with overflow checks before any data is trusted.
    const std::size_t elem = dtype_size(h.dtype);
    const std::optional<int64_t> numel = checked_numel(h.shape);
    if (!numel) throw Error(source, "array shape " + shape_to_string(h.shape) + " is too large");
    const std::size_t nbytes = static_cast<std::size_t>(*numel) * elem;
    const std::size_t available = bytes->size() - h.data_offset;
    if (nbytes > available)
        throw Error(source, "truncated .npy data: shape " + shape_to_string(h.shape) + " needs " +
                                std::to_string(nbytes) + " bytes, file has " + std::to_string(available));

    Tensor view = Tensor::view(bytes, h.data_offset, h.dtype, h.shape);
    // A view needs element alignment; numpy pads headers so this is the normal case.
    if (h.data_offset % elem == 0 && reinterpret_cast<std::uintptr_t>(bytes->data()) % elem == 0) return view;
    Tensor copy = Tensor::zeros(h.dtype, h.shape);
    if (nbytes) std::memcpy(copy.raw_mut(), bytes->data() + h.data_offset, nbytes);
    return copy;
}

Tensor read_npy(const std::string& path) { return parse_npy(map_file(path), path); }

void write_npy(const std::string& path, const Tensor& t) {
    const std::string_view descr = descr_of(t.dtype());
    if (descr.empty()) throw Error(path, "cannot write dtype " + std::string(dtype_name(t.dtype())) + " as .npy");
    // Python's tuple repr: "()", "(5,)", "(2, 3)".
    std::string shape = "(";
    for (std::size_t i = 0; i < t.shape().size(); ++i)
        shape += (i ? ", " : "") + std::to_string(t.shape()[i]);
    shape += t.dim() == 1 ? ",)" : ")";
    std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': " + shape + ", }";
    // numpy pads with spaces and a final newline so the data starts at a multiple of 64.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    std::string out(kMagic);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    const Tensor dense = t.is_contiguous() ? t : t.contiguous_copy();
    out.append(reinterpret_cast<const char*>(dense.raw()), dense.nbytes());
    write_output_file(path, out);
}

}  // namespace vivid
