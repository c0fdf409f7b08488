// Reading a `vivid features` folder for a fit: records from other settings are refused, and a
// record's .npy must lie inside the folder (a hand-made or hostile features.jsonl must not make a
// fit read other files as vectors).
#include <gtest/gtest.h>

#include <filesystem>

#include "fit/feature_folder.h"
#include "vivid/vivid.h"
#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;

const FeatureSettings kSettings{"/models/m", "fp32", 1};

std::string record(const std::string& npy) {
    return R"({"path": "/videos/a.mp4", "npy": ")" + npy +
           R"(", "model": "/models/m", "precision": "fp32", "recipe": "hf-pipeline", "frame_sampling_rate": 1})" "\n";
}

std::string error_of(const test::TempDir& dir, const std::string& npy) {
    test::write_bytes(dir / "features.jsonl", record(npy));
    try {
        read_feature_folder(dir.path().string(), kSettings);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(FeatureFolder, NpyFilesStayInsideTheFolder) {
    test::TempDir dir;
    test::write_bytes(dir / "features.jsonl", record("sub/a.npy"));
    const FeatureFolder f = read_feature_folder(dir.path().string(), kSettings);
    EXPECT_EQ(f.npy.at("/videos/a.mp4"), (dir.path() / "sub/a.npy").string());
    for (const char* outside : {"../a.npy", "/etc/passwd", "sub/../../a.npy", ""}) {
        const std::string e = error_of(dir, outside);
        EXPECT_NE(e.find("features.jsonl:1: names the .npy file '" + std::string(outside) + "' outside the features folder"),
                  std::string::npos)
            << e;
    }
}

TEST(FeatureFolder, RecordsFromOtherSettingsAreRefused) {
    test::TempDir dir;
    test::write_bytes(dir / "features.jsonl", R"({"path": "/videos/a.mp4", "npy": "a.npy", "model": "/models/m", "precision": "int8", "recipe": "hf-pipeline", "frame_sampling_rate": 1})" "\n");
    try {
        read_feature_folder(dir.path().string(), kSettings);
        FAIL() << "accepted int8 features for an fp32 fit";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("was made with precision \"int8\""), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace vivid
