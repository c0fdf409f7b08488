// The HEVC framing checks on hand-made records and packets.
#include <gtest/gtest.h>

#include <vector>

#include "video/hevc_temporal_layers.h"

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

TEST(HevcTemporalLayers, LengthSizeFromHvcc) {
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

TEST(HevcTemporalLayers, BaseLayerPackets) {
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

TEST(HevcTemporalLayers, MalformedPacketsAreNotBaseLayer) {
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

}  // namespace
}  // namespace vivid::video
