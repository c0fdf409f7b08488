// Fuzz target: arbitrary bytes as an hvcC record and as HEVC packets must never read past the
// buffer (the checks in video/hevc_temporal_layers.cpp).
#include <cstdint>
#include <cstring>
#include <vector>

#include "video/hevc_temporal_layers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy, so that ASan sees any read one byte past the end.
    std::vector<uint8_t> bytes(data, data + size);
    const uint8_t* p = bytes.empty() ? nullptr : bytes.data();
    (void)vivid::video::hvcc_nal_length_size(p, size);
    for (int length_size : {1, 2, 4}) (void)vivid::video::hevc_packet_in_base_layer(p, size, length_size);
    return 0;
}
