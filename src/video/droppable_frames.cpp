#include "video/droppable_frames.h"

namespace vivid::video {
namespace {

bool is_start_code(const uint8_t* p, std::size_t size, std::size_t i) {
    return i + 3 <= size && p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1;
}

// Calls visit(nal, nal_size) for each NAL unit (header included); false when the packet is
// malformed or holds none. Annex B units end where the next start code begins.
template <typename Visit>
bool walk_nal_units(const uint8_t* p, std::size_t size, int length_size, Visit visit) {
    if (p == nullptr || length_size < 0 || length_size > 4 || length_size == 3) return false;
    bool any = false;
    if (length_size == 0) {
        std::size_t i = 0;
        while (i < size && !is_start_code(p, size, i)) ++i;
        while (i < size) {
            const std::size_t begin = i + 3;
            std::size_t end = begin;
            while (end < size && !is_start_code(p, size, end)) ++end;
            std::size_t next = end;
            while (end > begin && p[end - 1] == 0) --end;  // trailing_zero_8bits
            if (end > begin) {
                visit(p + begin, end - begin);
                any = true;
            }
            i = next;
        }
        return any;
    }
    const auto prefix = static_cast<std::size_t>(length_size);
    std::size_t at = 0;
    while (at < size) {
        if (size - at < prefix) return false;
        std::size_t length = 0;
        for (std::size_t k = 0; k < prefix; ++k) length = (length << 8) | p[at + k];
        at += prefix;
        if (length == 0 || length > size - at) return false;
        visit(p + at, length);
        at += length;
        any = true;
    }
    return any;
}

// Folds the verdicts of a packet's pictures (or slices): all non-reference, or not.
struct KindVote {
    int non_reference = 0, reference = 0;
    bool malformed = false;
    PacketKind result() const {
        if (malformed || non_reference + reference == 0) return PacketKind::Unknown;
        return reference == 0 ? PacketKind::NonReference : PacketKind::Reference;
    }
};

int length_size_from(uint8_t byte) {
    const int n = (byte & 3) + 1;
    return n == 3 ? 0 : n;  // 3 is reserved
}

}  // namespace

int avcc_nal_length_size(const uint8_t* extradata, std::size_t size) {
    // configurationVersion 1; byte 4 ends in lengthSizeMinusOne (2 bits).
    if (extradata == nullptr || size < 7 || extradata[0] != 1) return 0;
    return length_size_from(extradata[4]);
}

int hvcc_nal_length_size(const uint8_t* extradata, std::size_t size) {
    // configurationVersion 1; byte 21 ends in lengthSizeMinusOne; 23 bytes of header.
    if (extradata == nullptr || size < 23 || extradata[0] != 1) return 0;
    return length_size_from(extradata[21]);
}

PacketKind classify_h264_packet(const uint8_t* packet, std::size_t size, int length_size) {
    KindVote vote;
    const bool parsed = walk_nal_units(packet, size, length_size, [&](const uint8_t* nal, std::size_t) {
        // forbidden_zero_bit(1) nal_ref_idc(2) nal_unit_type(5); slices are types 1 to 5.
        const int type = nal[0] & 0x1f, ref_idc = (nal[0] >> 5) & 3;
        if ((nal[0] & 0x80) != 0) vote.malformed = true;
        if (type >= 1 && type <= 5) (ref_idc == 0 ? vote.non_reference : vote.reference)++;
    });
    if (!parsed) vote.malformed = true;
    return vote.result();
}

PacketKind classify_hevc_packet(const uint8_t* packet, std::size_t size, int length_size) {
    KindVote vote;
    const bool parsed = walk_nal_units(packet, size, length_size, [&](const uint8_t* nal, std::size_t n) {
        if (n < 2 || (nal[0] & 0x80) != 0) {
            vote.malformed = true;
            return;
        }
        // VCL types are 0 to 31; the even ones below 16 are sub-layer non-reference.
        const int type = (nal[0] >> 1) & 0x3f;
        if (type < 32) (type < 16 && type % 2 == 0 ? vote.non_reference : vote.reference)++;
    });
    if (!parsed) vote.malformed = true;
    return vote.result();
}

bool hevc_packet_in_base_layer(const uint8_t* packet, std::size_t size, int length_size) {
    bool base = true;
    const bool parsed = walk_nal_units(packet, size, length_size, [&](const uint8_t* nal, std::size_t n) {
        // forbidden_zero(1) type(6) nuh_layer_id(6) nuh_temporal_id_plus1(3).
        if (n < 2) {
            base = false;
            return;
        }
        const unsigned header = (unsigned{nal[0]} << 8) | nal[1];
        if ((header & 0x8000) != 0 || ((header >> 3) & 0x3f) != 0 || (header & 7) != 1) base = false;
    });
    return parsed && base;
}

PacketKind classify_mpeg12_packet(const uint8_t* packet, std::size_t size) {
    if (packet == nullptr) return PacketKind::Unknown;
    KindVote vote;
    for (std::size_t i = 0; i + 6 <= size; ++i) {
        if (!is_start_code(packet, size, i) || packet[i + 3] != 0x00) continue;
        // picture_header: temporal_reference(10) picture_coding_type(3): 1 I, 2 P, 3 B, 4 D.
        const int type = (packet[i + 5] >> 3) & 7;
        if (type < 1 || type > 4) vote.malformed = true;
        (type == 3 ? vote.non_reference : vote.reference)++;
    }
    return vote.result();
}

PacketKind classify_mpeg4_packet(const uint8_t* packet, std::size_t size) {
    if (packet == nullptr) return PacketKind::Unknown;
    KindVote vote;
    for (std::size_t i = 0; i + 5 <= size; ++i) {
        if (!is_start_code(packet, size, i) || packet[i + 3] != 0xB6) continue;
        // vop_coding_type(2): 0 I, 1 P, 2 B, 3 S (sprite, a reference).
        ((packet[i + 4] >> 6) == 2 ? vote.non_reference : vote.reference)++;
    }
    if (vote.non_reference + vote.reference > 1) return PacketKind::Unknown;  // packed frames
    return vote.result();
}

}  // namespace vivid::video
