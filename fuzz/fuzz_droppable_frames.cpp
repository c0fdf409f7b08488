// Fuzz target: arbitrary bytes as avcC/hvcC records and as H.264, HEVC, MPEG-1/2 and MPEG-4
// packets must never read past the buffer (video/droppable_frames.cpp).
#include <cstdint>
#include <vector>

#include "video/droppable_frames.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vivid::video;
    // An exact-size copy, so that ASan sees any read one byte past the end.
    std::vector<uint8_t> bytes(data, data + size);
    const uint8_t* p = bytes.empty() ? nullptr : bytes.data();
    (void)avcc_nal_length_size(p, size);
    (void)hvcc_nal_length_size(p, size);
    for (int length_size : {0, 1, 2, 4}) {
        (void)classify_h264_packet(p, size, length_size);
        (void)classify_hevc_packet(p, size, length_size);
        (void)hevc_packet_in_base_layer(p, size, length_size);
    }
    (void)classify_mpeg12_packet(p, size);
    (void)classify_mpeg4_packet(p, size);
    return 0;
}
