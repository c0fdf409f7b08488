// Frames of a video file in exactly the order and with exactly the RGB bytes that PyAV 10
// gives: `container.seek(0)`, `container.decode(video=0)`, `frame.to_ndarray(format="rgb24")`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct AVFormatContext;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct SwsContext;

namespace vivid::video {

class FfmpegDecoder {
public:
    // Opens `path` and its first video stream. Throws vivid::Error naming the file.
    explicit FfmpegDecoder(const std::string& path);
    ~FfmpegDecoder();
    FfmpegDecoder(const FfmpegDecoder&) = delete;
    FfmpegDecoder& operator=(const FfmpegDecoder&) = delete;

    // Advances to the next decoded frame; false once the stream is exhausted.
    bool next_frame();
    int width() const;   // of the current frame
    int height() const;
    // Writes the current frame as packed RGB24 (height*width*3 bytes, no row padding).
    void current_frame_rgb(uint8_t* dst);

private:
    void release();
    bool feed_decoder();  // sends one more packet (or the final flush); false when none is left

    std::string path_;
    AVFormatContext* format_ = nullptr;
    AVCodecContext* codec_ = nullptr;
    AVFrame* frame_ = nullptr;
    AVPacket* packet_ = nullptr;
    SwsContext* sws_ = nullptr;
    int stream_index_ = -1;
    bool flushed_ = false;
    bool have_frame_ = false;
};

}  // namespace vivid::video
