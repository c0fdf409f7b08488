#include "video/hevc_temporal_layers.h"

namespace vivid::video {

int hvcc_nal_length_size(const uint8_t* extradata, std::size_t size) {
    // configurationVersion 1; byte 21 ends in lengthSizeMinusOne (2 bits); 23 bytes of header.
    // Annex B extradata starts with a start code (0x00), never with 1.
    if (extradata == nullptr || size < 23 || extradata[0] != 1) return 0;
    const int length_size = (extradata[21] & 3) + 1;
    return length_size == 3 ? 0 : length_size;  // 3 is reserved
}

bool hevc_packet_in_base_layer(const uint8_t* packet, std::size_t size, int length_size) {
    if (packet == nullptr || length_size < 1 || length_size > 4) return false;
    const auto prefix = static_cast<std::size_t>(length_size);
    std::size_t at = 0;
    bool any = false;
    while (at < size) {
        if (size - at < prefix) return false;
        std::size_t length = 0;
        for (std::size_t i = 0; i < prefix; ++i) length = (length << 8) | packet[at + i];
        at += prefix;
        if (length < 2 || length > size - at) return false;
        // NAL header: forbidden_zero(1) type(6) nuh_layer_id(6) nuh_temporal_id_plus1(3).
        const unsigned header = (unsigned{packet[at]} << 8) | packet[at + 1];
        const unsigned layer_id = (header >> 3) & 0x3f, temporal_id_plus1 = header & 7;
        if ((header & 0x8000) != 0 || layer_id != 0 || temporal_id_plus1 != 1) return false;
        at += length;
        any = true;
    }
    return any;
}

}  // namespace vivid::video
