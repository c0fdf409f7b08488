// check_mp4_sample_claims on box trees written by hand: a constant-size 'stsz' claim must fit
// in the file; a sample-size table, a file that is not ISO BMFF, and broken box sizes are left
// to FFmpeg.
#include "video/mp4_sample_claims.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vivid/vivid.h"

namespace vivid::video {
namespace {

using Bytes = std::vector<std::byte>;

void put32(Bytes& b, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::byte>((v >> s) & 0xff));
}

Bytes box(const char* type, const Bytes& body) {
    Bytes b;
    put32(b, static_cast<uint32_t>(8 + body.size()));
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::byte>(type[i]));
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

Bytes stsz(uint32_t sample_size, uint32_t count) {
    Bytes body;
    put32(body, 0);  // version, flags
    put32(body, sample_size);
    put32(body, count);
    return box("stsz", body);
}

// ftyp, then moov/trak/mdia/minf/stbl/stsz, then `mdat_bytes` of sample data.
Bytes mp4(const Bytes& stsz_box, std::size_t mdat_bytes) {
    Bytes f = box("ftyp", Bytes(8, std::byte{'x'}));
    const Bytes moov = box("moov", box("trak", box("mdia", box("minf", box("stbl", stsz_box)))));
    f.insert(f.end(), moov.begin(), moov.end());
    const Bytes mdat = box("mdat", Bytes(mdat_bytes));
    f.insert(f.end(), mdat.begin(), mdat.end());
    return f;
}

std::string error_of(const Bytes& file) {
    try {
        check_mp4_sample_claims("v.mp4", file);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(Mp4SampleClaims, ConstantSizeClaimMustFitInTheFile) {
    const Bytes fits = mp4(stsz(4, 100), 400);
    EXPECT_EQ(error_of(fits), "no error");
    EXPECT_EQ(error_of(mp4(stsz(1, static_cast<uint32_t>(fits.size())), 400)), "no error");  // exactly the file
    const Bytes over = mp4(stsz(1, static_cast<uint32_t>(fits.size()) + 1), 400);
    EXPECT_NE(error_of(over).find("claims " + std::to_string(fits.size() + 1) + " samples of 1 bytes, more than the file's " +
                                  std::to_string(over.size()) + " bytes"),
              std::string::npos)
        << error_of(over);
    EXPECT_NE(error_of(mp4(stsz(0xffffffff, 0xffffffff), 0)).find("claims 4294967295 samples"), std::string::npos);
}

TEST(Mp4SampleClaims, TablesOtherFormatsAndBrokenBoxesAreLeftToFfmpeg) {
    EXPECT_EQ(error_of(mp4(stsz(0, 80'000'000), 0)), "no error");  // a size table: FFmpeg reads it first
    Bytes riff = mp4(stsz(1, 80'000'000), 0);
    riff[4] = std::byte{'R'};  // not an ISO BMFF first box
    EXPECT_EQ(error_of(riff), "no error");
    Bytes broken = mp4(stsz(1, 80'000'000), 0);
    broken[19] = std::byte{0xff};  // moov's size runs past the end
    EXPECT_EQ(error_of(broken), "no error");
    EXPECT_EQ(error_of(Bytes(3)), "no error");
}

}  // namespace
}  // namespace vivid::video
