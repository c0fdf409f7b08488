// The hostile corpus (tests/hostile/, made by make_hostile.py): each file is one attack on a
// parser, run through the CLI command that would meet it in real use. Every one must be
// refused with exit status 2 and exactly one line on stderr that names the file and says what
// is wrong (cases.tsv holds the expected words), write nothing, and run nothing it names. A
// `convert` or `run` case is refused at about the memory cost of a real one: its peak RSS
// stays within 100 MB of the same command on the tiny conformance model (issue 23: a 4 MB
// checkpoint cost 4 GB before it was refused).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
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

// The largest peak RSS of any child reaped so far (KiB). gtest_discover_tests runs each case
// in its own process, so the children are this case's baseline run and then its hostile run.
long children_peak_rss_kb() {
    rusage usage{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    return usage.ru_maxrss;
}

// Peak RSS of the same command on the tiny conformance model (which succeeds), measured once
// per process and before any hostile run (so a hostile run cannot raise it); nullopt for the
// verbs not measured.
std::optional<long> baseline_rss_kb(const std::string& verb) {
    static std::map<std::string, long> measured;
    if (auto it = measured.find(verb); it != measured.end()) return it->second;
    const auto mae = source_dir() / "tests" / "conformance" / "cases" / "videomae_tiny_finetuned";
    TempDir out;
    std::vector<std::string> args;
    if (verb == "convert")
        args = {"convert", "--from", "videomae-pth", "--checkpoint", (mae / "checkpoint.pth").string(),
                "--config", (mae / "config.json").string(), "--out", (out / "model").string()};
    else if (verb == "run")
        args = {"run", "--model", (mae / "expected").string(), "--video", (mae / "video.npy").string(),
                "--save-outputs", (out / "outputs.safetensors").string()};
    else
        return std::nullopt;
    const CommandResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return measured[verb] = children_peak_rss_kb();
}

constexpr long kRssAboveBaselineKb = 100 * 1000;  // 100 MB

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

    const auto words = split_words(command);
    const std::optional<long> baseline = baseline_rss_kb(words[0]);
    const CommandResult r = run_cli(words);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << r.err;
    EXPECT_NE(r.err.find(file.filename().string()), std::string::npos) << "the file is not named: " << r.err;
    EXPECT_TRUE(files_under(out.path()).empty()) << "written: " << files_under(out.path())[0];
    EXPECT_FALSE(std::filesystem::exists(pwned)) << "the file ran a command";
    if (baseline) {
        EXPECT_LT(children_peak_rss_kb(), *baseline + kRssAboveBaselineKb)
            << "peak RSS " << children_peak_rss_kb() << " KiB; the same command on a real model takes " << *baseline;
    }
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
