#include "fit/training_set.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace vivid::test {
namespace {

void touch(const std::filesystem::path& p) {
    std::filesystem::create_directories(p.parent_path());
    write_bytes(p, "x");
}

TEST(TrainingSet, ClassFoldersGiveSortedLabelledVideos) {
    TempDir tmp;
    touch(tmp / "train" / "walk" / "b.mp4");
    touch(tmp / "train" / "walk" / "a.mp4");
    touch(tmp / "train" / "fall" / "deep" / "c.npy");  // searched recursively
    touch(tmp / "train" / "fall" / "notes.txt");       // not a video
    const auto videos = read_labelled_videos({{(tmp / "train").string()}, {}}, "training");
    ASSERT_EQ(videos.size(), 3u);
    EXPECT_EQ(videos[0].label, "fall");
    EXPECT_EQ(videos[1].path, (tmp / "train" / "walk" / "a.mp4").string());
    EXPECT_EQ(class_names(videos), (std::vector<std::string>{"fall", "walk"}));
    EXPECT_EQ(class_ids(videos, class_names(videos)), (std::vector<int64_t>{0, 1, 1}));
}

TEST(TrainingSet, ListPathsAreRelativeToTheListsFolder) {
    TempDir tmp;
    write_bytes(tmp / "set.jsonl", "{\"path\": \"clips/a.mp4\", \"label\": \"x\"}\n\n{\"path\": \"/abs/b.mp4\", \"label\": \"y\"}\n");
    const auto videos = read_labelled_videos({{}, {(tmp / "set.jsonl").string()}}, "training");
    ASSERT_EQ(videos.size(), 2u);
    EXPECT_EQ(videos[0].path, "/abs/b.mp4");
    EXPECT_EQ(videos[1].path, (tmp / "clips" / "a.mp4").string());
    EXPECT_EQ(videos[1].label, "x");
}

TEST(TrainingSet, BadInputsAreOneClearLine) {
    TempDir tmp;
    touch(tmp / "one" / "only" / "a.mp4");
    EXPECT_EQ(error_message_of([&] { class_names(read_labelled_videos({{(tmp / "one").string()}, {}}, "training")); }),
              "class 'only': is the only class of the training videos; a classifier needs at least two");
    std::filesystem::create_directories(tmp / "empty" / "a");
    touch(tmp / "empty" / "b" / "v.mp4");
    EXPECT_EQ(error_message_of([&] { read_labelled_videos({{(tmp / "empty").string()}, {}}, "training"); }),
              (tmp / "empty" / "a").string() + ": is an empty class folder: it holds no videos");
    touch(tmp / "loose" / "a" / "v.mp4");
    touch(tmp / "loose" / "stray.mp4");
    EXPECT_EQ(error_message_of([&] { read_labelled_videos({{(tmp / "loose").string()}, {}}, "training"); }),
              (tmp / "loose" / "stray.mp4").string() + ": lies outside the class folders (put each video in its class's sub-folder)");
    EXPECT_NE(error_message_of([&] { read_labelled_videos({{(tmp / "missing").string()}, {}}, "training"); }).find("is not a folder"),
              std::string::npos);
    write_bytes(tmp / "bad.jsonl", "{\"path\": \"a.mp4\", \"label\": 3}\n");
    EXPECT_EQ(error_message_of([&] { read_labelled_videos({{}, {(tmp / "bad.jsonl").string()}}, "training"); }),
              (tmp / "bad.jsonl").string() + ":1: is not a JSON object {\"path\": string, \"label\": string}");
    write_bytes(tmp / "twice.jsonl", "{\"path\": \"a.mp4\", \"label\": \"x\"}\n{\"path\": \"a.mp4\", \"label\": \"y\"}\n");
    EXPECT_NE(error_message_of([&] { read_labelled_videos({{}, {(tmp / "twice.jsonl").string()}}, "training"); })
                  .find("already labelled 'x'"),
              std::string::npos);
    EXPECT_EQ(error_message_of([&] { class_ids({{"v.mp4", "run"}}, {"fall", "walk"}); }),
              "v.mp4: has the label 'run', which no training video has (the classes: fall, walk)");
}

}  // namespace
}  // namespace vivid::test
