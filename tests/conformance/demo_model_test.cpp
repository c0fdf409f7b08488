// The demo model end to end: convert the original-format checkpoint, classify each shipped
// held-out mp4, and agree with PyTorch's predictions (tests/data/demo/expected_predictions.json,
// made by tests/data/demo/make_demo.py with PyAV + Pillow + torch).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace vivid::test {
namespace {

TEST(DemoModel, ConvertsAndClassifiesLikePyTorch) {
    const auto expected = nlohmann::json::parse(read_bytes(data_dir() / "demo" / "expected_predictions.json"));
    const auto demo = source_dir() / "examples" / "demo";
    TempDir tmp;
    auto r = run_cli({"convert", "--from", "videomae-pth", "--checkpoint", (demo / "videomae_demo.pth").string(),
                      "--config", (demo / "config.json").string(), "--preprocessor-config",
                      (demo / "preprocessor_config.json").string(), "--out", (tmp / "model").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto labels = expected["labels"].get<std::vector<std::string>>();
    int correct_vivid = 0, correct_torch = 0;
    for (const auto& clip : expected["clips"]) {
        const auto file = source_dir() / clip["file"].get<std::string>();
        r = run_cli({"classify", "--model", (tmp / "model").string(), file.string(), "--json", "--top-k",
                     std::to_string(labels.size())});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto predictions = nlohmann::json::parse(r.out);
        ASSERT_EQ(predictions.size(), labels.size());
        EXPECT_EQ(predictions[0]["label"], clip["predicted"]) << file;
        for (const auto& p : predictions) {
            const auto at = std::find(labels.begin(), labels.end(), p["label"].get<std::string>()) - labels.begin();
            EXPECT_NEAR(p["score"].get<double>(), clip["probs"][at].get<double>(), 1e-4) << file << " " << p["label"];
        }
        correct_vivid += predictions[0]["label"] == clip["label"];
        correct_torch += clip["predicted"] == clip["label"];
    }
    EXPECT_EQ(correct_vivid, correct_torch);
    EXPECT_GE(correct_vivid, static_cast<int>(expected["clips"].size()) - 1);
}

}  // namespace
}  // namespace vivid::test
