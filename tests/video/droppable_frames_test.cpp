// Packet classification on hand-made records and packets (and the PyAV-made golden videos'
// packets in ffmpeg_decoder_test.cpp, where dropping must leave PyAV's frames).
#include <gtest/gtest.h>

#include <vector>

#include "video/droppable_frames.h"

namespace vivid::video {
namespace {

std::vector<uint8_t> hvcc(uint8_t byte21) {
    std::vector<uint8_t> r(23, 0);
    r[0] = 1;
    r[21] = byte21;
    return r;
}

// A NAL unit of `type` in sub-layer `tid` with `payload` bytes, behind a 4-byte length.
void append_nal(std::vector<uint8_t>& p, int type, int tid, int payload, int layer = 0) {
    const uint32_t length = 2 + static_cast<uint32_t>(payload);
    for (int shift : {24, 16, 8, 0}) p.push_back(static_cast<uint8_t>(length >> shift));
    p.push_back(static_cast<uint8_t>((type << 1) | (layer >> 5)));
    p.push_back(static_cast<uint8_t>(((layer & 31) << 3) | (tid + 1)));
    p.insert(p.end(), static_cast<std::size_t>(payload), 0xAB);
}

TEST(DroppableFrames, LengthSizeFromHvcc) {
    EXPECT_EQ(hvcc_nal_length_size(hvcc(0xF3).data(), 23), 4);
    EXPECT_EQ(hvcc_nal_length_size(hvcc(0xF1).data(), 23), 2);
    EXPECT_EQ(hvcc_nal_length_size(hvcc(0xF0).data(), 23), 1);
    EXPECT_EQ(hvcc_nal_length_size(hvcc(0xF2).data(), 23), 0);  // reserved
    EXPECT_EQ(hvcc_nal_length_size(hvcc(0xF3).data(), 22), 0);  // too short
    const uint8_t annex_b[] = {0, 0, 0, 1, 0x40, 0x01, 0x0c, 1, 0xff, 0xff, 0x01, 0x60, 0, 0, 0, 0,
                               0, 0, 0, 0, 0,    0,    0};
    EXPECT_EQ(hvcc_nal_length_size(annex_b, sizeof annex_b), 0);
    EXPECT_EQ(hvcc_nal_length_size(nullptr, 0), 0);
}

TEST(DroppableFrames, BaseLayerPackets) {
    std::vector<uint8_t> p;
    append_nal(p, 39, 0, 5);  // prefix SEI
    append_nal(p, 1, 0, 40);  // TRAIL_R
    EXPECT_TRUE(hevc_packet_in_base_layer(p.data(), p.size(), 4));
    append_nal(p, 2, 1, 3);  // TSA_N in sub-layer 1
    EXPECT_FALSE(hevc_packet_in_base_layer(p.data(), p.size(), 4));
    std::vector<uint8_t> other_layer;
    append_nal(other_layer, 1, 0, 4, 1);
    EXPECT_FALSE(hevc_packet_in_base_layer(other_layer.data(), other_layer.size(), 4));
}

TEST(DroppableFrames, MalformedPacketsAreNotBaseLayer) {
    std::vector<uint8_t> p;
    append_nal(p, 1, 0, 10);
    EXPECT_FALSE(hevc_packet_in_base_layer(p.data(), p.size() - 1, 4));  // truncated NAL
    EXPECT_FALSE(hevc_packet_in_base_layer(p.data(), 3, 4));             // truncated length
    EXPECT_FALSE(hevc_packet_in_base_layer(p.data(), 0, 4));             // empty
    EXPECT_FALSE(hevc_packet_in_base_layer(p.data(), p.size(), 3));      // bad prefix size
    const uint8_t tiny[] = {0, 0, 0, 1, 0x02};                          // length 1 < header
    EXPECT_FALSE(hevc_packet_in_base_layer(tiny, sizeof tiny, 4));
    const uint8_t forbidden[] = {0, 0, 0, 2, 0x82, 0x01};
    EXPECT_FALSE(hevc_packet_in_base_layer(forbidden, sizeof forbidden, 4));
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x02, 0x01};
    EXPECT_FALSE(hevc_packet_in_base_layer(huge, sizeof huge, 4));
}

TEST(DroppableFrames, HevcPictureKinds) {
    std::vector<uint8_t> trail_n, trail_r, mixed;
    append_nal(trail_n, 39, 0, 3);  // SEI does not vote
    append_nal(trail_n, 0, 0, 8);   // TRAIL_N
    append_nal(trail_r, 1, 0, 8);   // TRAIL_R
    append_nal(mixed, 8, 0, 4);     // RASL_N
    append_nal(mixed, 19, 0, 4);    // IDR_W_RADL
    EXPECT_EQ(classify_hevc_packet(trail_n.data(), trail_n.size(), 4), PacketKind::NonReference);
    EXPECT_EQ(classify_hevc_packet(trail_r.data(), trail_r.size(), 4), PacketKind::Reference);
    EXPECT_EQ(classify_hevc_packet(mixed.data(), mixed.size(), 4), PacketKind::Reference);
    std::vector<uint8_t> sei_only;
    append_nal(sei_only, 39, 0, 3);
    EXPECT_EQ(classify_hevc_packet(sei_only.data(), sei_only.size(), 4), PacketKind::Unknown);
    EXPECT_EQ(classify_hevc_packet(trail_n.data(), trail_n.size() - 1, 4), PacketKind::Unknown);
}

TEST(DroppableFrames, H264LengthPrefixedAndAnnexB) {
    const uint8_t avcc[] = {1, 0x64, 0, 0x1f, 0xff, 0xe1, 0};
    EXPECT_EQ(avcc_nal_length_size(avcc, sizeof avcc), 4);
    EXPECT_EQ(avcc_nal_length_size(avcc, 6), 0);
    // nal_ref_idc 0, type 1 (non-IDR slice), behind a 2-byte length; then a ref_idc 2 slice.
    const uint8_t nonref[] = {0, 3, 0x01, 0x9a, 0x10};
    const uint8_t ref[] = {0, 2, 0x06, 0x05, 0, 3, 0x41, 0x9a, 0x10};  // SEI, then the slice
    EXPECT_EQ(classify_h264_packet(nonref, sizeof nonref, 2), PacketKind::NonReference);
    EXPECT_EQ(classify_h264_packet(ref, sizeof ref, 2), PacketKind::Reference);
    EXPECT_EQ(classify_h264_packet(nonref, sizeof nonref - 1, 2), PacketKind::Unknown);
    const uint8_t annex_b[] = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x01, 0x9a, 0x10, 0, 0};
    EXPECT_EQ(classify_h264_packet(annex_b, sizeof annex_b, 0), PacketKind::NonReference);
    const uint8_t annex_b_idr[] = {0, 0, 1, 0x65, 0x88, 0x84};
    EXPECT_EQ(classify_h264_packet(annex_b_idr, sizeof annex_b_idr, 0), PacketKind::Reference);
    const uint8_t no_start_code[] = {0x65, 0x88, 0x84, 0x00};
    EXPECT_EQ(classify_h264_packet(no_start_code, sizeof no_start_code, 0), PacketKind::Unknown);
    const uint8_t forbidden_bit[] = {0, 0, 1, 0x81, 0x9a};
    EXPECT_EQ(classify_h264_packet(forbidden_bit, sizeof forbidden_bit, 0), PacketKind::Unknown);
}

TEST(DroppableFrames, MpegPictureTypes) {
    // picture_start_code, temporal_reference 0, picture_coding_type in bits 5..3 of byte 5.
    const uint8_t mpeg2_b[] = {0, 0, 1, 0xb3, 0x10, 0, 0, 1, 0x00, 0x00, 3 << 3, 0xff};
    const uint8_t mpeg2_p[] = {0, 0, 1, 0x00, 0x00, 2 << 3, 0xff};
    const uint8_t mpeg2_two_b_fields[] = {0, 0, 1, 0x00, 0x00, 3 << 3, 0, 0, 1, 0x00, 0x00, 3 << 3};
    EXPECT_EQ(classify_mpeg12_packet(mpeg2_b, sizeof mpeg2_b), PacketKind::NonReference);
    EXPECT_EQ(classify_mpeg12_packet(mpeg2_p, sizeof mpeg2_p), PacketKind::Reference);
    EXPECT_EQ(classify_mpeg12_packet(mpeg2_two_b_fields, sizeof mpeg2_two_b_fields), PacketKind::NonReference);
    EXPECT_EQ(classify_mpeg12_packet(mpeg2_b, 9), PacketKind::Unknown);  // header cut off
    const uint8_t vop_b[] = {0, 0, 1, 0xb6, 2 << 6, 0x12};
    const uint8_t vop_s[] = {0, 0, 1, 0xb6, 3 << 6, 0x12};
    const uint8_t packed[] = {0, 0, 1, 0xb6, 1 << 6, 0x12, 0, 0, 1, 0xb6, 2 << 6, 0x12};
    EXPECT_EQ(classify_mpeg4_packet(vop_b, sizeof vop_b), PacketKind::NonReference);
    EXPECT_EQ(classify_mpeg4_packet(vop_s, sizeof vop_s), PacketKind::Reference);
    EXPECT_EQ(classify_mpeg4_packet(packed, sizeof packed), PacketKind::Unknown);
    EXPECT_EQ(classify_mpeg4_packet(nullptr, 0), PacketKind::Unknown);
}

}  // namespace
}  // namespace vivid::video
