// Many videos through the public API: the video list, shards, and classify_each (with and
// without decoding ahead) against one-video classify and the HF logits.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>
#include <vivid/vivid.h>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;

const fs::path kCase = vivid::test::conformance_dir() / "videomae_tiny_finetuned";

TEST(FindVideos, FoldersAreSearchedRecursivelyAndTheListIsSorted) {
    vivid::test::TempDir tmp;
    fs::create_directories(tmp / "b" / "deep");
    for (const char* name : {"b/deep/z.mp4", "b/a.MKV", "c.webm", "notes.txt", "b/clip.npy"})
        vivid::test::write_bytes(tmp / name, "x");
    vivid::test::write_bytes(tmp / "list.txt", "# one per line\n" + (tmp / "c.webm").string() + "\n" +
                                                   (tmp / "elsewhere.mp4").string() + "\n");
    const auto videos = vivid::find_videos({(tmp / "b").string(), (tmp / "c.webm").string()}, (tmp / "list.txt").string());
    const std::vector<std::string> want = {(tmp / "b" / "a.MKV").string(), (tmp / "b" / "clip.npy").string(),
                                           (tmp / "b" / "deep" / "z.mp4").string(), (tmp / "c.webm").string(),
                                           (tmp / "elsewhere.mp4").string()};
    EXPECT_EQ(videos, want);  // sorted, c.webm once, notes.txt not a video, listed paths kept
    EXPECT_THROW(vivid::find_videos({}, (tmp / "absent.txt").string()), vivid::Error);
}

TEST(Shards, AreDisjointAndCoverTheList) {
    std::vector<std::string> videos;
    for (int i = 0; i < 23; ++i) videos.push_back(std::to_string(100 + i) + ".mp4");
    std::vector<std::string> seen;
    for (int i = 0; i < 4; ++i) {
        const auto part = vivid::take_shard(videos, vivid::parse_shard(std::to_string(i) + "/4", "--shard"));
        EXPECT_GE(part.size(), 5u);
        seen.insert(seen.end(), part.begin(), part.end());
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, videos);
    for (const char* bad : {"4/4", "-1/4", "1/0", "1", "a/b", "1/2x"})
        EXPECT_THROW(vivid::parse_shard(bad, "--shard"), vivid::Error) << bad;
}

TEST(ClassifyEach, GoesPastABadVideoAndMatchesOneAtATime) {
    vivid::test::TempDir tmp;
    vivid::test::write_bytes(tmp / "broken.mp4", "not a video at all");
    const std::string good = (kCase / "video.npy").string();
    const std::vector<std::string> videos = {good, (tmp / "broken.mp4").string(), good, (tmp / "missing.npy").string()};
    vivid::Model model = vivid::Model::load((kCase / "expected").string(), {.threads = 2});
    const std::vector<vivid::Prediction> want = model.classify(good, 3);
    for (int prefetch : {0, 1, 3}) {
        SCOPED_TRACE(prefetch);
        std::vector<vivid::VideoResult> results;
        model.classify_each(videos, 3, [&](const vivid::VideoResult& r) { results.push_back(r); }, prefetch);
        ASSERT_EQ(results.size(), videos.size());
        for (std::size_t i = 0; i < videos.size(); ++i) EXPECT_EQ(results[i].path, videos[i]);  // in order
        for (std::size_t i : {0u, 2u}) {
            ASSERT_TRUE(results[i].error.empty()) << results[i].error;
            ASSERT_EQ(results[i].labels.size(), want.size());
            for (std::size_t k = 0; k < want.size(); ++k) {
                EXPECT_EQ(results[i].labels[k].label, want[k].label);
                EXPECT_EQ(results[i].labels[k].score, want[k].score);
            }
            EXPECT_EQ(results[i].frames, model.info().frames);
        }
        for (std::size_t i : {1u, 3u}) {
            EXPECT_TRUE(results[i].labels.empty());
            EXPECT_NE(results[i].error.find(videos[i]), std::string::npos) << results[i].error;
        }
    }
}

TEST(ClassifyEach, AnErrorInTheCallbackStopsTheRun) {
    vivid::Model model = vivid::Model::load((kCase / "expected").string());
    const std::vector<std::string> videos(6, (kCase / "video.npy").string());
    int calls = 0;
    EXPECT_THROW(model.classify_each(videos, 1,
                                     [&](const vivid::VideoResult&) {
                                         if (++calls == 2) throw vivid::Error("out.jsonl", "disk full");
                                     }),
                 vivid::Error);
    EXPECT_EQ(calls, 2);
}

}  // namespace
