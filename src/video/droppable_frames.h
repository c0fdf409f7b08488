// Which packets FFmpeg's AVDISCARD_NONREF will drop, read from the bitstream: just enough of
// H.264, HEVC, MPEG-1/2 and MPEG-4 part 2 framing to find each picture's type. Only a packet
// known to be dropped may be counted as a frame that was never seen (frame_index_plan.h).
// - H.264: a picture whose slices all have nal_ref_idc 0 is never a reference.
// - HEVC: FFmpeg drops every "sub-layer non-reference" picture (TRAIL_N, RASL_N, ...), which
//   may still be a reference for a higher temporal sub-layer; with every NAL unit in
//   sub-layer 0 (checked per packet) there is no higher one.
// - MPEG-1/2 and MPEG-4 part 2: B-pictures are never references (S-VOPs are).
// All functions read untrusted bytes and check every length against the buffer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vivid::video {

enum class PacketKind { NonReference, Reference, Unknown };

// The NAL length prefix (1, 2 or 4 bytes) declared by an avcC (H.264) or hvcC (HEVC) record,
// the codec private data in mp4/mov/mkv; 0 when `extradata` is not one (Annex B streams).
int avcc_nal_length_size(const uint8_t* extradata, std::size_t size);
int hvcc_nal_length_size(const uint8_t* extradata, std::size_t size);

// length_size 0: Annex B start codes; 1, 2 or 4: length-prefixed NAL units.
PacketKind classify_h264_packet(const uint8_t* packet, std::size_t size, int length_size);
PacketKind classify_hevc_packet(const uint8_t* packet, std::size_t size, int length_size);
// True when the packet parses and every NAL unit has TemporalId 0 and nuh_layer_id 0.
bool hevc_packet_in_base_layer(const uint8_t* packet, std::size_t size, int length_size);

// By picture start codes; a packet holding several pictures of MPEG-4 (packed B-frames) is Unknown.
PacketKind classify_mpeg12_packet(const uint8_t* packet, std::size_t size);
PacketKind classify_mpeg4_packet(const uint8_t* packet, std::size_t size);

}  // namespace vivid::video
