// The hostile corpus (tests/hostile/, made by make_hostile.py): each file is one attack on a
// parser, run through the CLI command that would meet it in real use. Every one must be
// refused with exit status 2 and exactly one line on stderr that names the file and says what
// is wrong (cases.tsv holds the expected words), write nothing, and run nothing it names.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace vivid::test {
namespace {

struct HostileCase {
    std::string name;      // path under tests/hostile/files/
    std::string command;   // CLI arguments with {file}, {out}, {data}
    std::string expected;  // words the one-line error must contain
};

std::filesystem::path hostile_dir() { return source_dir() / "tests" / "hostile"; }

std::vector<HostileCase> load_cases() {
    std::vector<HostileCase> cases;
    std::ifstream in(hostile_dir() / "cases.tsv");
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (header) {
            header = false;
            continue;
        }
        std::istringstream fields(line);
        HostileCase c;
        std::getline(fields, c.name, '\t');
        std::getline(fields, c.command, '\t');
        std::getline(fields, c.expected, '\t');
        cases.push_back(c);
    }
    return cases;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::vector<std::string> split_words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

std::vector<std::string> files_under(const std::filesystem::path& dir) {
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) found.push_back(e.path().string());
    return found;
}

// gtest prints a parameter in failure messages: the case's name, not its bytes.
void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

class HostileCorpus : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileCorpus, RefusedInOneLineWithNothingWritten) {
    const HostileCase& c = GetParam();
    const std::filesystem::path file = hostile_dir() / "files" / c.name;
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    const std::filesystem::path pwned = "/tmp/vivid_pwned";
    std::filesystem::remove(pwned);
    TempDir out;
    std::string command = replace_all(c.command, "{file}", file.string());
    command = replace_all(command, "{out}", out.path().string());
    command = replace_all(command, "{data}", (source_dir() / "tests").string());

    const CommandResult r = run_cli(split_words(command));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << r.err;
    EXPECT_NE(r.err.find(file.filename().string()), std::string::npos) << "the file is not named: " << r.err;
    EXPECT_TRUE(files_under(out.path()).empty()) << "written: " << files_under(out.path())[0];
    EXPECT_FALSE(std::filesystem::exists(pwned)) << "the file ran a command";
}

std::string case_test_name(const ::testing::TestParamInfo<HostileCase>& info) {
    std::string name = info.param.name;
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Files, HostileCorpus, ::testing::ValuesIn(load_cases()), case_test_name);

// The corpus must not silently shrink to nothing (an unreadable cases.tsv would pass above).
TEST(HostileCorpusList, HasTheCasesAndEveryFileIsListed) {
    const auto cases = load_cases();
    EXPECT_GE(cases.size(), 60u);
    std::vector<std::string> listed;
    for (const auto& c : cases) listed.push_back(c.name);
    for (const auto& e : std::filesystem::directory_iterator(hostile_dir() / "files"))
        EXPECT_NE(std::find(listed.begin(), listed.end(), e.path().filename().string()), listed.end())
            << e.path() << " has no line in cases.tsv";
}

}  // namespace
}  // namespace vivid::test
