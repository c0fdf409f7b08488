// Every model case: `vivid convert` on the original checkpoint gives model.safetensors equal
// bit for bit to HF's, config.json equal on every key, and the converted folder passes runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "conformance/case_runner.h"
#include "test_support.h"

namespace vivid::test {
namespace {

class ConversionCase : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(ConversionCase, ConvertsBitForBitAndRuns) {
    const ConformanceCase& c = GetParam();
    TempDir tmp;
    const auto out = tmp / "converted";
    std::string checkpoint;
    for (const char* name : {"checkpoint", "checkpoint.pth"})
        if (std::filesystem::exists(c.dir / name)) checkpoint = (c.dir / name).string();
    ASSERT_FALSE(checkpoint.empty());
    std::vector<std::string> args{"convert", "--checkpoint", checkpoint, "--out", out.string()};
    const auto convert_args = c.spec["convert"].get<std::vector<std::string>>();
    for (std::size_t i = 0; i < convert_args.size(); ++i) {
        const bool is_path = i > 0 && (convert_args[i - 1] == "--config" || convert_args[i - 1] == "--preprocessor-config");
        args.push_back(is_path ? (c.dir / convert_args[i]).string() : convert_args[i]);
    }
    const CommandResult r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_bytes(out / "model.safetensors"), read_bytes(c.dir / "expected" / "model.safetensors"))
        << "model.safetensors differs from HF's conversion";
    EXPECT_EQ(nlohmann::json::parse(read_bytes(out / "config.json")),
              nlohmann::json::parse(read_bytes(c.dir / "expected" / "config.json")));
    EXPECT_EQ(nlohmann::json::parse(read_bytes(out / "preprocessor_config.json")),
              nlohmann::json::parse(read_bytes(c.dir / "expected" / "preprocessor_config.json")));
    for (std::size_t i = 0; i < c.spec["run"].size(); ++i) check_run_entry(c, out, i);
}

INSTANTIATE_TEST_SUITE_P(Conformance, ConversionCase,
                         ::testing::ValuesIn(find_cases(conformance_dir(), {"vivit-flax", "videomae-pth"})),
                         [](const ::testing::TestParamInfo<ConformanceCase>& info) { return info.param.name(); });

}  // namespace
}  // namespace vivid::test
