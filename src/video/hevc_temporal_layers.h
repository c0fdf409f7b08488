// Just enough of HEVC's framing to tell whether a stream has temporal sub-layers. FFmpeg's
// AVDISCARD_NONREF drops every "sub-layer non-reference" picture (TRAIL_N, RASL_N, ...), but
// such a picture may still be a reference for a picture of a higher sub-layer; with every NAL
// unit in sub-layer 0 there is no higher one, and dropping it is exact.
// Both functions read untrusted bytes and check every length against the buffer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vivid::video {

// The size of the NAL length prefix (1, 2 or 4 bytes) declared by an hvcC record
// (ISO/IEC 14496-15, the codec private data of HEVC in mp4/mov/mkv); 0 if `extradata` is not one.
int hvcc_nal_length_size(const uint8_t* extradata, std::size_t size);

// True when `packet` is a well-formed sequence of length-prefixed NAL units, each with
// TemporalId 0 (nuh_temporal_id_plus1 == 1) and nuh_layer_id 0.
bool hevc_packet_in_base_layer(const uint8_t* packet, std::size_t size, int length_size);

}  // namespace vivid::video
