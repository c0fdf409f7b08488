// Outputs under faults: `vivid convert` and `vivid run --save-outputs` are SIGKILLed at many
// moments of their run, and run with a file-size limit (a full disk as the program sees it).
// At every moment the output path holds nothing, or the complete output (byte for byte what an
// undisturbed run writes), or, when one existed before, the old output untouched. Temporary
// files are allowed only under hidden names (a kill leaves no chance to remove them).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "formats/safetensors.h"
#include "test_support.h"

namespace vivid::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Every regular file under `root` (or `root` itself), relative name -> bytes.
std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> files;
    if (!fs::exists(root)) return files;
    if (fs::is_regular_file(root)) {
        files[root.filename().string()] = read_bytes(root);
        return files;
    }
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = read_bytes(e.path());
    return files;
}

// Visible names in `dir` other than `output`: a half-written file under its own name.
std::vector<std::string> visible_leftovers(const fs::path& dir, const fs::path& output) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name[0] != '.' && e.path() != output) names.push_back(name);
    }
    return names;
}

double seconds_of_one_run(const std::vector<std::string>& args) {
    const auto start = Clock::now();
    const CommandResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::size_t entries_in(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

// Starts the command and kills it (it may have finished), then reaps it. Either after `delay`
// from the start, or, `when_writing`, `delay` after a new name appears in `dir`: the moment the
// output (or its temporary) is being written, which a uniform moment rarely meets.
void kill_at(const std::vector<std::string>& args, double delay, bool when_writing, const fs::path& dir) {
    const std::size_t before = entries_in(dir);
    const int pid = start_cli(args);
    int status = 0;
    if (when_writing) {
        while (entries_in(dir) == before) {
            if (::waitpid(pid, &status, WNOHANG) == pid) return;  // finished (or failed) first
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
}

struct KillCounts {
    int absent = 0, complete = 0, old_kept = 0;
};

// `make_args(output)` gives the command writing `output`. Half the kills meet an existing
// output (`old`), which the command replaces (`replace_old` adds what permits that).
KillCounts kill_at_many_moments(const std::function<std::vector<std::string>(const fs::path&, bool)>& make_args,
                                const std::function<void(const fs::path&)>& make_old, const std::string& output_name) {
    TempDir reference_dir;
    const fs::path reference = reference_dir / output_name;
    const double duration = seconds_of_one_run(make_args(reference, false));
    const auto complete = snapshot(reference);
    EXPECT_FALSE(complete.empty());

    KillCounts counts;
    std::mt19937 rng(20261202);
    std::uniform_real_distribution<double> moment(0.0, 1.5 * duration), while_writing(0.0, 0.004);
    for (int round = 0; round < 24; ++round) {
        TempDir dir;
        const fs::path output = dir / output_name;
        const bool had_old = round % 2 == 1;
        if (had_old) make_old(output);
        const auto old = snapshot(output);
        // Rounds 0-11 at any moment of the run, 12-23 within 4 ms of the first write.
        // Round 11 waits 10 times the undisturbed run: a complete output must pass the checks too,
        // even when other tests slow this one down.
        const bool when_writing = round >= 12;
        const double delay = when_writing ? while_writing(rng) : round == 11 ? 10 * duration : moment(rng);
        kill_at(make_args(output, had_old), delay, when_writing, dir.path());

        const auto now = snapshot(output);
        if (now.empty() && !fs::exists(output)) {
            EXPECT_FALSE(had_old) << "round " << round << ": the old output is gone";
            ++counts.absent;
        } else if (now == complete) {
            ++counts.complete;
        } else {
            EXPECT_TRUE(had_old && now == old) << "round " << round << ": the output is neither complete nor the old one";
            ++counts.old_kept;
        }
        EXPECT_TRUE(visible_leftovers(dir.path(), output).empty())
            << "round " << round << ": left " << visible_leftovers(dir.path(), output)[0];
    }
    // For tests/RELIABILITY.md: where the kills landed.
    std::printf("%s: 24 kills: %d absent, %d complete, %d old output kept\n", output_name.c_str(), counts.absent,
                counts.complete, counts.old_kept);
    return counts;
}

std::vector<std::string> convert_args(const fs::path& out, bool replace) {
    const fs::path c = conformance_dir() / "videomae_tiny_finetuned";
    std::vector<std::string> args{"convert", "--from", "videomae-pth", "--checkpoint", (c / "checkpoint.pth").string(),
                                  "--config", (c / "config.json").string(), "--out", out.string()};
    if (replace) args.push_back("--force");
    return args;
}

std::vector<std::string> run_args(const fs::path& out, bool) {
    const fs::path c = conformance_dir() / "videomae_tiny_finetuned";
    return {"run", "--model", (c / "expected").string(), "--video", (c / "video.npy").string(), "--save-outputs", out.string()};
}

// A batch of 64 clips: the outputs file (pixel_values and logits) is ~6 MB, so writing it
// takes long enough for a kill to land in the middle of it.
std::vector<std::string> run_batch_args(const fs::path& pixel_values, const fs::path& out) {
    const fs::path c = conformance_dir() / "videomae_tiny_finetuned";
    return {"run", "--model", (c / "expected").string(), "--pixel-values", pixel_values.string(), "--save-outputs", out.string()};
}

fs::path write_batch_pixel_values(const fs::path& dir) {
    const fs::path one = dir / "one.safetensors";
    const CommandResult r = run_cli(run_args(one, false));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    TensorMap outputs = read_safetensors(one.string());
    const Tensor& pv = outputs.at("pixel_values");
    Shape shape = pv.shape();
    shape[0] = 64;
    Tensor batch = Tensor::uninitialized(DType::F32, shape);
    const auto bytes = static_cast<std::size_t>(pv.numel()) * sizeof(float);
    const Tensor dense = pv.to_float32().contiguous_copy();
    for (int64_t b = 0; b < 64; ++b)
        std::memcpy(reinterpret_cast<char*>(batch.data_mut<float>()) + b * bytes, dense.data<float>(), bytes);
    const fs::path path = dir / "batch.safetensors";
    write_safetensors(path.string(), {{"pixel_values", batch}});
    fs::remove(one);
    return path;
}

void make_old_folder(const fs::path& dir) {
    fs::create_directory(dir);
    write_bytes(dir / "model.safetensors", "an older model");
    write_bytes(dir / "notes.txt", "kept unless replaced whole");
}

void make_old_file(const fs::path& file) { write_bytes(file, "an older result"); }

TEST(KillSafety, ConvertKilledAtAnyMomentLeavesNothingOrAWholeFolder) {
    const KillCounts c = kill_at_many_moments(convert_args, make_old_folder, "model");
    // Some kills must land before the rename; a complete output must be recognised as such.
    EXPECT_GT(c.absent + c.old_kept, 0);
    EXPECT_GT(c.complete, 0);
}

TEST(KillSafety, RunSaveOutputsKilledAtAnyMomentLeavesNothingOrAWholeFile) {
    TempDir inputs;
    const fs::path pixel_values = write_batch_pixel_values(inputs.path());
    const KillCounts c = kill_at_many_moments(
        [&](const fs::path& out, bool) { return run_batch_args(pixel_values, out); }, make_old_file, "outputs.safetensors");
    EXPECT_GT(c.absent + c.old_kept, 0);
    EXPECT_GT(c.complete, 0);
}

// RLIMIT_FSIZE below the output's size: the write fails as on a full disk.
TEST(KillSafety, FullDiskGivesOneLineAndNoPartialOutput) {
    for (const bool had_old : {false, true}) {
        TempDir dir;
        const fs::path model = dir / "model";
        if (had_old) make_old_folder(model);
        const auto old = snapshot(model);
        CommandResult r = run_cli(convert_args(model, had_old), CliLimits{.file_size_bytes = 40'000});
        EXPECT_EQ(r.exit_code, 2);
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find("model.safetensors"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
        EXPECT_EQ(snapshot(model), old);
        EXPECT_EQ(fs::exists(model), had_old);
        EXPECT_TRUE(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}) == (had_old ? 1 : 0))
            << "a temporary file or folder was left behind";

        const fs::path outputs = dir / "outputs.safetensors";
        if (had_old) make_old_file(outputs);
        const auto old_outputs = snapshot(outputs);
        r = run_cli(run_args(outputs, had_old), CliLimits{.file_size_bytes = 20'000});
        EXPECT_EQ(r.exit_code, 2);
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find("outputs.safetensors"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
        EXPECT_EQ(snapshot(outputs), old_outputs);
    }
}

}  // namespace
}  // namespace vivid::test
