#include "conformance/case_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "test_support.h"
#include "formats/safetensors.h"

namespace vivid::test {

std::vector<ConformanceCase> find_cases(const std::filesystem::path& root,
                                        const std::vector<std::string>& kinds) {
    std::vector<ConformanceCase> cases;
    if (!std::filesystem::is_directory(root)) return cases;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
        const auto spec_path = entry.path() / "case.json";
        if (!std::filesystem::exists(spec_path)) continue;
        std::ifstream in(spec_path);
        ConformanceCase c{entry.path(), nlohmann::json::parse(in)};
        if (std::find(kinds.begin(), kinds.end(), c.kind()) != kinds.end()) cases.push_back(c);
    }
    std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.dir < b.dir; });
    return cases;
}

double max_abs_difference(const std::filesystem::path& actual_file, const std::string& actual_name,
                          const std::filesystem::path& expected_file, const std::string& expected_name) {
    TensorMap actual = read_safetensors(actual_file.string());
    TensorMap expected = read_safetensors(expected_file.string());
    if (!actual.count(actual_name)) {
        ADD_FAILURE() << actual_file << " has no tensor " << actual_name;
        return INFINITY;
    }
    if (!expected.count(expected_name)) {
        ADD_FAILURE() << expected_file << " has no tensor " << expected_name;
        return INFINITY;
    }
    const Tensor a = actual.at(actual_name);
    const Tensor e = expected.at(expected_name);
    // A loss may be stored as [] or [1]; everything else must match exactly.
    const bool scalar_like = a.numel() == 1 && e.numel() == 1;
    if (!scalar_like && a.shape() != e.shape()) {
        ADD_FAILURE() << actual_name << ": shape " << shape_to_string(a.shape()) << " vs expected "
                      << shape_to_string(e.shape());
        return INFINITY;
    }
    if (a.dtype() != e.dtype()) {
        ADD_FAILURE() << actual_name << ": dtype " << dtype_name(a.dtype()) << " vs expected " << dtype_name(e.dtype());
        return INFINITY;
    }
    const Tensor af = a.to_float32(), ef = e.to_float32();
    double worst = 0;
    for (int64_t i = 0; i < af.numel(); ++i) {
        const double d = std::fabs(static_cast<double>(af.data<float>()[i]) - ef.data<float>()[i]);
        if (std::isnan(d)) return INFINITY;
        worst = std::max(worst, d);
    }
    return worst;
}

void check_run_entry(const ConformanceCase& c, const std::filesystem::path& model_dir, std::size_t index) {
    const nlohmann::json& entry = c.spec["run"][index];
    TempDir tmp;
    const auto out = tmp / "outputs.safetensors";
    std::vector<std::string> args{"run", "--model", model_dir.string()};
    const std::vector<std::string> run_args = entry["args"].get<std::vector<std::string>>();
    for (std::size_t i = 0; i < run_args.size(); ++i) {
        // Values after path-taking flags are relative to the case folder.
        const bool is_path = i > 0 && (run_args[i - 1] == "--pixel-values" || run_args[i - 1] == "--video" ||
                                       run_args[i - 1] == "--mask");
        args.push_back(is_path ? (c.dir / run_args[i]).string() : run_args[i]);
    }
    args.insert(args.end(), {"--save-outputs", out.string()});
    const CommandResult r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << "vivid run failed: " << r.err;
    const auto expected = c.dir / entry["expect"].get<std::string>();
    for (const auto& name : entry["compare"]) {
        const std::string n = name.get<std::string>();
        const double tol = c.spec["tolerances"].value(n, 0.0);
        const double diff = max_abs_difference(out, n, expected, n);
        EXPECT_LE(diff, tol) << c.name() << " run " << index << ": " << n << " differs by " << diff;
    }
}

}  // namespace vivid::test
