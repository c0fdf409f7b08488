// .npy reader: files written by numpy (tests/data/video/npy/, made by make_video_cases.py)
// and hand-made malformed headers.
#include "formats/npy.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

using test::data_dir;
using test::TempDir;
using test::write_bytes;

std::string npy_bytes(const std::string& header_dict, const std::string& data, char version = 1) {
    std::string h = header_dict;
    const std::size_t prefix = version == 1 ? 10 : 12;
    while ((prefix + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string out = std::string("\x93NUMPY", 6) + version + '\0';
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>(h.size() >> 8);
    if (version != 1) out += std::string(2, '\0');
    return out + h + data;
}

std::string error_of(const std::string& path) {
    try {
        read_npy(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(Npy, ReadsUint8ClipWrittenByNumpy) {
    // numpy: np.arange(2*3*4*3, dtype=np.uint8).reshape(2,3,4,3)
    Tensor t = read_npy((data_dir() / "video/npy/arange_u8_2x3x4x3.npy").string());
    ASSERT_EQ(t.dtype(), DType::U8);
    ASSERT_EQ(t.shape(), (Shape{2, 3, 4, 3}));
    for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t.data<uint8_t>()[i], i);
}

TEST(Npy, ReadsFloat32AndVersion2) {
    // numpy: np.linspace(-1, 1, 6, dtype=np.float32).reshape(2,3), saved as format 2.0
    Tensor t = read_npy((data_dir() / "video/npy/linspace_f32_2x3_v2.npy").string());
    ASSERT_EQ(t.dtype(), DType::F32);
    ASSERT_EQ(t.shape(), (Shape{2, 3}));
    const float expected[] = {-1.0f, -0.6f, -0.2f, 0.2f, 0.6f, 1.0f};
    for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(t.data<float>()[i], expected[i]);
}

TEST(Npy, ScalarAndEmptyShapes) {
    TempDir dir;
    write_bytes(dir / "s.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", std::string(4, '\0')));
    EXPECT_EQ(read_npy((dir / "s.npy").string()).shape(), Shape{});
    write_bytes(dir / "e.npy", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 5), }", "", 3));
    EXPECT_EQ(read_npy((dir / "e.npy").string()).shape(), (Shape{0, 5}));
}

TEST(Npy, WriteThenReadRoundTrips) {
    TempDir dir;
    Tensor t = Tensor::zeros(DType::U8, {3});
    t.data_mut<uint8_t>()[1] = 7;
    write_npy((dir / "a.npy").string(), t);
    Tensor back = read_npy((dir / "a.npy").string());
    EXPECT_EQ(back.shape(), Shape{3});
    EXPECT_EQ(back.data<uint8_t>()[1], 7);
    // Header text exactly as numpy writes it.
    EXPECT_NE(test::read_bytes(dir / "a.npy").find("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }"),
              std::string::npos);
}

TEST(Npy, RejectsUnsupportedAndBrokenFiles) {
    TempDir dir;
    struct Case {
        std::string name, bytes, message;
    };
    const Case cases[] = {
        {"empty.npy", "", "not a .npy file"},
        {"text.npy", "hello world, not numpy", "not a .npy file"},
        {"f64.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')),
         "unsupported .npy dtype '<f8'"},
        {"be.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0')),
         "unsupported .npy dtype '>f4'"},
        {"fortran.npy", npy_bytes("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2), }", std::string(4, '\0')),
         "Fortran-order"},
        {"short.npy", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", "abc"),
         "truncated .npy data"},
        {"huge.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", ""),
         "too large"},
        {"noshape.npy", npy_bytes("{'descr': '|u1', 'fortran_order': False, }", ""), "missing"},
        {"badver.npy", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", "a", 9),
         "unsupported .npy format version 9"},
        {"object.npy", npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')),
         "unsupported .npy dtype '|O'"},
    };
    for (const auto& c : cases) {
        write_bytes(dir / c.name, c.bytes);
        const std::string message = error_of((dir / c.name).string());
        EXPECT_NE(message.find(c.name), std::string::npos) << message;
        EXPECT_NE(message.find(c.message), std::string::npos) << c.name << ": " << message;
    }
}

}  // namespace
}  // namespace vivid
