// FrameIndexPlan on hand-made packet/frame sequences: PyAV's numbering is the count of frames
// the decoder releases; the plan must reproduce it or say it cannot.
#include <gtest/gtest.h>

#include "video/frame_index_plan.h"

namespace vivid::video {
namespace {

// Decode order I0 P4 B2 b1 b3 P8 B6 b5 b7 (pts = presentation index).
const std::vector<int64_t> kDecodeOrder = {0, 4, 2, 1, 3, 8, 6, 5, 7};

TEST(FrameIndexPlan, IndicesAreRanksOfPresentationTimestamps) {
    FrameIndexPlan plan({0, 4, 8}, true);
    for (int64_t pts : kDecodeOrder) plan.on_demuxed(pts * 10, true, false);
    // B2 and B6 are references (B-pyramid): they are decoded although unwanted.
    std::vector<bool> skip;
    for (int64_t pts : kDecodeOrder) skip.push_back(plan.may_skip(pts * 10, true, pts % 2 == 1));
    EXPECT_EQ(skip, (std::vector<bool>{false, false, false, true, true, false, false, true, true}));
    // The decoder drops the non-reference b1 b3 b5 b7 and returns I0 B2 P4 B6 P8.
    EXPECT_EQ(plan.on_frame(0, true), 0);
    EXPECT_EQ(plan.on_frame(20, true), 2);
    EXPECT_EQ(plan.on_frame(40, true), 4);
    EXPECT_EQ(plan.on_frame(60, true), 6);
    EXPECT_EQ(plan.on_frame(80, true), 8);
    EXPECT_TRUE(plan.skipping());
    EXPECT_FALSE(plan.broken());
}

TEST(FrameIndexPlan, DisabledPlanCounts) {
    FrameIndexPlan plan({1}, false);
    plan.on_demuxed(5, true, false);
    EXPECT_FALSE(plan.may_skip(5, true, true));
    EXPECT_FALSE(plan.may_skip(6, true, false));
    EXPECT_EQ(plan.on_frame(500, true), 0);
    EXPECT_EQ(plan.on_frame(7, false), 1);
    EXPECT_FALSE(plan.broken());
}

TEST(FrameIndexPlan, TroubleBeforeAnySkipFallsBackToCounting) {
    for (int trouble = 0; trouble < 3; ++trouble) {
        SCOPED_TRACE(trouble);
        FrameIndexPlan plan({0, 1, 2}, true);
        plan.on_demuxed(0, true, false);
        if (trouble == 0) plan.on_demuxed(0, true, false);  // repeated pts
        if (trouble == 1) plan.on_demuxed(0, false, false);  // no pts
        if (trouble == 2) plan.on_demuxed(1, true, true);   // flagged discard
        EXPECT_FALSE(plan.skipping());
        EXPECT_FALSE(plan.broken());
        EXPECT_EQ(plan.on_frame(0, true), 0);
        EXPECT_EQ(plan.on_frame(3, true), 1);
    }
}

TEST(FrameIndexPlan, ReorderingDeeperThanTheLookaheadBreaksAPlanThatSkipped) {
    FrameIndexPlan plan({0, 3}, true);
    plan.on_demuxed(0, true, false);
    plan.on_demuxed(20, true, false);
    EXPECT_FALSE(plan.may_skip(0, true, true));
    EXPECT_TRUE(plan.may_skip(20, true, true));  // rank 1: unwanted
    plan.on_demuxed(10, true, false);      // arrives after a later frame was sent: ranks shift
    EXPECT_TRUE(plan.broken());
}

TEST(FrameIndexPlan, FramesOutOfTimestampOrderBreakAPlanThatSkipped) {
    FrameIndexPlan plan({0, 2}, true);
    for (int64_t pts : {0, 1, 2}) plan.on_demuxed(pts, true, false);
    EXPECT_FALSE(plan.may_skip(0, true, true));
    EXPECT_TRUE(plan.may_skip(1, true, true));
    EXPECT_FALSE(plan.may_skip(2, true, true));
    EXPECT_EQ(plan.on_frame(0, true), 0);
    EXPECT_EQ(plan.on_frame(2, true), 2);
    plan.on_frame(1, true);  // the dropped-able frame came out late: PyAV would call it 2
    EXPECT_TRUE(plan.broken());
}

TEST(FrameIndexPlan, AFrameMissingThatWasNotSkippableBreaksThePlan) {
    // Frame 1 was sent to be decoded (wanted) but never came out (the decoder dropped it as
    // corrupt): PyAV would number frame 2 as 1.
    FrameIndexPlan plan({1, 2}, true);
    for (int64_t pts : {0, 1, 2}) plan.on_demuxed(pts, true, false);
    EXPECT_TRUE(plan.may_skip(0, true, true));
    EXPECT_FALSE(plan.may_skip(1, true, true));
    EXPECT_FALSE(plan.may_skip(2, true, true));
    plan.on_frame(2, true);
    EXPECT_TRUE(plan.broken());
}

TEST(FrameIndexPlan, AnUnwantedReferenceFrameThatVanishesBreaksThePlan) {
    // Frame 1 is unwanted but a reference: it is decoded, so its absence is a surprise.
    FrameIndexPlan plan({0, 2}, true);
    for (int64_t pts : {0, 1, 2, 3}) plan.on_demuxed(pts, true, false);
    EXPECT_FALSE(plan.may_skip(0, true, true));
    EXPECT_FALSE(plan.may_skip(1, true, false));
    EXPECT_FALSE(plan.may_skip(2, true, true));
    EXPECT_TRUE(plan.may_skip(3, true, true));
    EXPECT_EQ(plan.on_frame(0, true), 0);
    plan.on_frame(2, true);
    EXPECT_TRUE(plan.broken());
}

TEST(FrameIndexPlan, ARejectedPacketBreaksAPlanThatSkipped) {
    FrameIndexPlan plan({1}, true);
    for (int64_t pts : {0, 1}) plan.on_demuxed(pts, true, false);
    EXPECT_TRUE(plan.may_skip(0, true, true));
    plan.on_send_failed();
    EXPECT_TRUE(plan.broken());
}

TEST(FrameIndexPlan, ADecoderDelayBelowTheStreamsReorderingBreaksAPlanThatSkipped) {
    // kDecodeOrder reorders two deep (B2 comes after P4, b1 after both).
    for (const int delay : {1, 2}) {
        SCOPED_TRACE(delay);
        FrameIndexPlan plan({0, 4, 8}, true);
        for (int64_t pts : kDecodeOrder) plan.on_demuxed(pts, true, false);
        for (int64_t pts : kDecodeOrder) plan.may_skip(pts, true, true);
        plan.check_decoder_delay(delay);
        EXPECT_EQ(plan.broken(), delay < 2);
    }
}

TEST(FrameIndexPlan, ADecoderDelayThatChangesBreaksAPlanThatSkipped) {
    FrameIndexPlan plan({0, 2}, true);
    for (int64_t pts : {0, 2, 1}) plan.on_demuxed(pts, true, false);
    EXPECT_FALSE(plan.may_skip(0, true, true));
    EXPECT_FALSE(plan.may_skip(2, true, true));
    EXPECT_TRUE(plan.may_skip(1, true, true));
    plan.check_decoder_delay(1);
    EXPECT_EQ(plan.on_frame(0, true), 0);
    EXPECT_FALSE(plan.broken());
    plan.check_decoder_delay(2);  // the decoder had to grow its reorder buffer
    EXPECT_TRUE(plan.broken());
}

TEST(FrameIndexPlan, FramesThatNeverCameOutMustHaveBeenDroppable) {
    FrameIndexPlan plan({0}, true);
    for (int64_t pts : {0, 1, 2}) plan.on_demuxed(pts, true, false);
    EXPECT_FALSE(plan.may_skip(0, true, true));
    EXPECT_TRUE(plan.may_skip(1, true, true));
    EXPECT_TRUE(plan.may_skip(2, true, true));
    EXPECT_EQ(plan.on_frame(0, true), 0);
    plan.on_end();
    EXPECT_FALSE(plan.broken());
    EXPECT_EQ(plan.frames_in_stream(), 3);

    FrameIndexPlan wanted_last({0, 2}, true);
    for (int64_t pts : {0, 1, 2}) wanted_last.on_demuxed(pts, true, false);
    for (int64_t pts : {0, 1, 2}) wanted_last.may_skip(pts, true, true);
    EXPECT_EQ(wanted_last.on_frame(0, true), 0);
    wanted_last.on_end();  // frame 2 was to be decoded but never came out
    EXPECT_TRUE(wanted_last.broken());
}

}  // namespace
}  // namespace vivid::video
