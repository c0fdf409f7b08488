// Every model case (kinds vivit-flax, videomae-pth): load <case>/expected as an HF model
// folder, run each entry of case.json's "run", compare at the case's tolerances.
#include <gtest/gtest.h>

#include "conformance/case_runner.h"
#include "test_support.h"

namespace vivid::test {
namespace {

struct RunParam {
    ConformanceCase c;
    std::size_t index;
};

std::vector<RunParam> all_runs() {
    std::vector<RunParam> runs;
    for (const auto& c : find_cases(conformance_dir(), {"vivit-flax", "videomae-pth"}))
        for (std::size_t i = 0; i < c.spec["run"].size(); ++i) runs.push_back({c, i});
    return runs;
}

class ModelCase : public ::testing::TestWithParam<RunParam> {};

TEST_P(ModelCase, MatchesHuggingFaceOutputs) {
    const RunParam& p = GetParam();
    check_run_entry(p.c, p.c.dir / "expected", p.index);
}

INSTANTIATE_TEST_SUITE_P(Conformance, ModelCase, ::testing::ValuesIn(all_runs()),
                         [](const ::testing::TestParamInfo<RunParam>& info) {
                             return info.param.c.name() + "_run" + std::to_string(info.param.index);
                         });

TEST(ModelCases, AllCasesFound) { EXPECT_GE(all_runs().size(), 12u); }

}  // namespace
}  // namespace vivid::test
