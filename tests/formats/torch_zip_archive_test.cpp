// TorchZipArchive's bounds at their edges: a member exactly at its bound is read, one byte
// over is refused before anything is inflated, and the archive's inflation budget refuses a
// bomb even when the caller's own bound would let it through. (The hostile corpus checks the
// same files end to end through the CLI.)
#include "formats/torch_zip_archive.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/mapped_file.h"
#include "test_support.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

constexpr uint64_t kUnbounded = UINT64_MAX;

std::filesystem::path hostile(const std::string& name) {
    return test::source_dir() / "tests" / "hostile" / "files" / name;
}

std::string error_of(TorchZipArchive& zip, const std::string& member, uint64_t bound) {
    try {
        zip.member(member, {bound, "the test's bound"});
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TorchZipArchive open(const std::filesystem::path& path) {
    return TorchZipArchive(path.string(), map_file(path.string()));
}

TEST(TorchZipArchive, StoredMemberAtItsBoundIsReadOneByteOverIsNot) {
    const auto path = test::conformance_dir() / "videomae_tiny_finetuned" / "checkpoint.pth";
    auto zip = open(path);
    const auto whole = zip.member("data.pkl", {kUnbounded, "none"});
    ASSERT_TRUE(whole);
    const uint64_t size = whole->size;
    EXPECT_EQ(zip.member("data.pkl", {size, "exact"})->size, size);
    const std::string e = error_of(zip, "data.pkl", size - 1);
    EXPECT_NE(e.find("declares " + std::to_string(size) + " bytes, over its bound of " +
                     std::to_string(size - 1) + " bytes (the test's bound)"),
              std::string::npos)
        << e;
    EXPECT_FALSE(zip.member("no_such_member", {0, "none"}));
}

TEST(TorchZipArchive, CompressedMemberAtItsBoundIsInflatedOneByteOverIsNot) {
    auto zip = open(hostile("torch_zip_bomb_data_pkl_50mb.pth"));
    constexpr uint64_t kPickle = (uint64_t{50} << 20) + 17;  // a 17-byte pickle prefix, then zeros
    const std::string e = error_of(zip, "data.pkl", kPickle - 1);
    EXPECT_NE(e.find("declares " + std::to_string(kPickle) + " bytes, over its bound of " +
                     std::to_string(kPickle - 1)),
              std::string::npos)
        << e;
    EXPECT_EQ(zip.member("data.pkl", {kPickle, "exact"})->size, kPickle);
}

TEST(TorchZipArchive, InflationBudgetRefusesABombTheCallerWouldAllow) {
    auto zip = open(hostile("torch_zip_bomb_data_pkl_4gib.pth"));
    const uint64_t file_size = std::filesystem::file_size(hostile("torch_zip_bomb_data_pkl_4gib.pth"));
    const uint64_t budget = (uint64_t{256} << 20) + 32 * file_size;
    const std::string e = error_of(zip, "data.pkl", kUnbounded);
    EXPECT_NE(e.find("over the " + std::to_string(budget) + " bytes left of the archive's inflation budget"),
              std::string::npos)
        << e;
}

TEST(TorchZipArchive, OverlappingMembersAreRefusedWhenOpened) {
    try {
        open(hostile("torch_zip_overlapping_members_1gib.pth"));
        FAIL() << "opened";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("zip members overlap"), std::string::npos) << e.what();
    }
}

TEST(TorchZipArchive, MemberRunningPastOrShortOfItsDeclaredSizeIsRefused) {
    auto past = open(hostile("torch_zip_data_pkl_inflates_past_declared_size.pth"));
    EXPECT_NE(error_of(past, "data.pkl", kUnbounded).find("inflates past the 155 bytes its header declares"),
              std::string::npos);
    auto short_of = open(hostile("torch_zip_data_pkl_inflates_short_of_declared_size.pth"));
    EXPECT_NE(error_of(short_of, "data.pkl", kUnbounded).find("inflates to only 155 of the 100155 bytes"),
              std::string::npos);
}

}  // namespace
}  // namespace vivid
