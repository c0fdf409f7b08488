// Many videos through the public API: the video list, shards, and classify_each (with and
// without decoding ahead) against one-video classify and the HF logits.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
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

TEST(ClassifyEach, VideosSharingAForwardGetTheirOwnAnswers) {
    // Two different clips (the case's, and the same frames reversed in time) with bad ones
    // between them, through forwards of up to 3 videos: each answer is its own video's.
    vivid::test::TempDir tmp;
    const std::string good = (kCase / "video.npy").string();
    const vivid::PreprocessedVideo v = vivid::preprocess_video(
        good, 8, {.preprocessor_config = (kCase / "expected" / "preprocessor_config.json").string()});
    vivid::ByteArray reversed = v.frames;
    reversed.shape.erase(reversed.shape.begin());
    const std::size_t frame = reversed.values.size() / 8;
    for (int t = 0; t < 8; ++t)
        std::copy_n(v.frames.values.begin() + (7 - t) * frame, frame, reversed.values.begin() + t * frame);
    vivid::Model model = vivid::Model::load((kCase / "expected").string(), {.sampling = vivid::Sampling::Uniform, .clips = 2});
    const std::string other = (tmp / "reversed.npy").string();
    // A .npy (8, 40, 56, 3) uint8 file, written by hand: the 128-byte v1.0 header, then the bytes.
    std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (8, 40, 56, 3), }";
    header.append(128 - 10 - 1 - header.size(), ' ');
    header += '\n';
    std::string file = std::string("\x93NUMPY\x01\x00", 8) + std::string(1, char(header.size() & 0xff)) +
                       std::string(1, char(header.size() >> 8)) + header;
    file.append(reinterpret_cast<const char*>(reversed.values.data()), reversed.values.size());
    vivid::test::write_bytes(other, file);
    const std::vector<std::string> videos = {good, other, (tmp / "missing.npy").string(), good, other, good};
    std::vector<std::vector<vivid::Prediction>> want;
    for (const std::string& path : videos) {
        try {
            want.push_back(model.classify(path, 5));
        } catch (const vivid::Error&) {
            want.push_back({});
        }
    }
    ASSERT_NE(want[0][0].score, want[1][0].score);  // the two clips really differ
    std::vector<vivid::VideoResult> got;
    // A slow consumer lets the decoder run ahead, so the forwards really take several videos.
    model.classify_each(
        videos, 5,
        [&](const vivid::VideoResult& r) {
            got.push_back(r);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        },
        4, 3);
    ASSERT_EQ(got.size(), videos.size());
    for (std::size_t i = 0; i < videos.size(); ++i) {
        EXPECT_EQ(got[i].path, videos[i]);
        ASSERT_EQ(got[i].labels.size(), want[i].size()) << i;
        for (std::size_t k = 0; k < want[i].size(); ++k) {
            EXPECT_EQ(got[i].labels[k].label, want[i][k].label) << i;
            EXPECT_NEAR(got[i].labels[k].score, want[i][k].score, 1e-5) << i;
        }
        if (!want[i].empty()) {
            EXPECT_EQ(got[i].frames, 2 * 8);  // two clips of 8 frames
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
