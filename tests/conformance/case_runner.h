// Drives the conformance case folders (../shared/conformance format, copied into
// tests/conformance/cases): reads case.json and compares vivid's outputs with the expected
// tensors at the case's tolerances.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vivid::test {

struct ConformanceCase {
    std::filesystem::path dir;
    nlohmann::json spec;  // case.json
    std::string name() const { return dir.filename().string(); }
    std::string kind() const { return spec.value("kind", ""); }
};

// Every case folder under `root` whose kind is one of `kinds`.
std::vector<ConformanceCase> find_cases(const std::filesystem::path& root,
                                        const std::vector<std::string>& kinds);

// Runs `vivid run --model model_dir <args> --save-outputs ...` for run entry `index` of the
// case and checks each compared tensor; reports failures through GoogleTest.
void check_run_entry(const ConformanceCase& c, const std::filesystem::path& model_dir,
                     std::size_t index);

// max |a - b| over two tensors of equal shape (a float32 view of any dtype); fails the test
// on a shape mismatch.
double max_abs_difference(const std::filesystem::path& actual_file, const std::string& actual_name,
                          const std::filesystem::path& expected_file, const std::string& expected_name);

}  // namespace vivid::test
