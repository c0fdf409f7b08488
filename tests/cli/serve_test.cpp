// `vivid serve` on the loopback interface: every endpoint, 8 clients x 10 uploads at once with
// every answer equal to `vivid classify`'s, hostile uploads (422, the service alive after), an
// upload over the limit (413), a client that sends half a body and stops, and SIGTERM during a
// request (the request completes, exit status 0). ServeUploads: how an upload may arrive (any
// content type, chunked, no body, trickling, lying about its length) and what it may not take
// (memory, the health check's thread, more than its deadline); HostileRequests replays
// tests/hostile/requests.tsv; ServeExample runs examples/serve's Kubernetes settings.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace vivid {
namespace {

namespace fs = std::filesystem;

const fs::path kModel = test::conformance_dir() / "videomae_tiny_finetuned" / "expected";
const fs::path kVideos = test::data_dir() / "video/cases";

int free_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

// A running service, stopped (SIGTERM) and reaped when this goes.
struct Service {
    int port = free_port();
    pid_t pid = -1;
    explicit Service(std::vector<std::string> extra = {}, const fs::path& model = kModel) {
        std::vector<std::string> args{"serve", "--model", model.string(), "--port", std::to_string(port), "--threads", "2"};
        args.insert(args.end(), extra.begin(), extra.end());
        pid = test::start_cli(args);
        httplib::Client c("127.0.0.1", port);
        for (int i = 0; i < 200; ++i) {
            if (auto r = c.Get("/healthz"); r && r->status == 200) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << "the service did not come up";
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(30, 0);
        return c;
    }
    // SIGTERM, then the exit status.
    int stop() {
        if (pid < 0) return -1;
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    ~Service() { stop(); }
};

nlohmann::json cli_labels(const fs::path& video, int k) {
    const auto r = test::run_cli({"classify", "--model", kModel.string(), video.string(), "--top-k", std::to_string(k), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
}

void expect_same_labels(const nlohmann::json& served, const nlohmann::json& cli) {
    ASSERT_EQ(served.size(), cli.size());
    for (std::size_t i = 0; i < cli.size(); ++i) {
        EXPECT_EQ(served[i]["label"], cli[i]["label"]);
        EXPECT_NEAR(served[i]["score"].get<double>(), cli[i]["score"].get<double>(), 1e-12);
    }
}

TEST(Serve, EveryEndpoint) {
    Service s;
    auto c = s.client();
    auto r = c.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    r = c.Get("/v1/model");
    ASSERT_TRUE(r);
    const auto info = test::run_cli({"info", "--model", kModel.string(), "--json"});
    EXPECT_EQ(nlohmann::json::parse(r->body), nlohmann::json::parse(info.out));
    const fs::path video = kVideos / "h264_yuv420p_bframes/video.mp4";
    const std::string bytes = test::read_bytes(video);
    r = c.Post("/v1/classify?top_k=3", bytes, "application/octet-stream");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const auto body = nlohmann::json::parse(r->body);
    expect_same_labels(body["labels"], cli_labels(video, 3));
    EXPECT_EQ(body["frames"], 8);
    EXPECT_GT(body["model_ms"].get<double>(), 0.0);
    httplib::MultipartFormDataItems form{{"video", bytes, "clip.mp4", "video/mp4"}};
    r = c.Post("/v1/classify?top_k=1", form);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(c.Get("/nope")->status, 404);
    EXPECT_EQ(c.Get("/v1/classify")->status, 405);
    EXPECT_EQ(c.Delete("/healthz")->status, 405);
    EXPECT_EQ(c.Post("/v1/classify?top_k=0", bytes, "application/octet-stream")->status, 400);
    // A request is counted when its answer has been written (cpp-httplib logs after the write),
    // so the last one may reach the counters a moment after its client has the answer.
    const std::string last_counted = "vivid_request_duration_seconds_bucket{endpoint=\"/v1/classify\",le=\"+Inf\"} 4";
    for (int i = 0; i < 100; ++i) {
        r = c.Get("/metrics");
        ASSERT_TRUE(r);
        if (r->body.find(last_counted) != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_NE(r->body.find("vivid_requests_total{endpoint=\"/v1/classify\",status=\"200\"} 2"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("vivid_request_duration_seconds_bucket{endpoint=\"/v1/classify\",le=\"+Inf\"} 4"),
              std::string::npos);
    EXPECT_NE(r->body.find("vivid_queue_depth 0"), std::string::npos);
    EXPECT_EQ(s.stop(), 0);
}

// POST /v1/timeline answers, for the upload, the records `vivid timeline --out` writes (windows,
// then segments) and the picture `--svg` draws, byte for byte (titled by ?name=).
TEST(Serve, TimelineAnswersWhatTheCliWrites) {
    Service s;
    const fs::path video = kVideos / "h264_yuv420p_bframes/video.mp4";
    const fs::path dir = fs::temp_directory_path() / ("vivid_serve_timeline_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto cli = test::run_cli({"timeline", "--model", kModel.string(), video.string(), "--stride", "4", "--top-k", "2",
                                    "--out", (dir / "t.jsonl").string(), "--svg", (dir / "t.svg").string()});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    std::vector<nlohmann::json> windows, segments;
    std::istringstream lines(test::read_bytes(dir / "t.jsonl"));
    for (std::string line; std::getline(lines, line);) {
        const auto record = nlohmann::json::parse(line);
        (record["type"] == "window" ? windows : segments).push_back(record);
    }
    ASSERT_GE(windows.size(), 2u);
    auto c = s.client();
    const std::string query = "/v1/timeline?stride=4&top_k=2&name=" + httplib::detail::encode_query_param(video.string());
    auto r = c.Post(query, test::read_bytes(video), "application/octet-stream");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const auto body = nlohmann::json::parse(r->body);
    ASSERT_EQ(body["windows"].size(), windows.size());
    for (std::size_t i = 0; i < windows.size(); ++i) {
        EXPECT_EQ(body["windows"][i]["start_frame"], windows[i]["start_frame"]);
        EXPECT_EQ(body["windows"][i]["end"], windows[i]["end"]);
        expect_same_labels(body["windows"][i]["labels"], windows[i]["labels"]);
    }
    ASSERT_EQ(body["segments"].size(), segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i) {
        EXPECT_EQ(body["segments"][i]["label"], segments[i]["label"]);
        EXPECT_NEAR(body["segments"][i]["score"].get<double>(), segments[i]["score"].get<double>(), 1e-12);
    }
    EXPECT_EQ(body["svg"].get<std::string>(), test::read_bytes(dir / "t.svg"));
    r = c.Post("/v1/timeline", std::string("not a video at all"), "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422);
    EXPECT_NE(nlohmann::json::parse(r->body)["error"].get<std::string>().find("the upload:"), std::string::npos);
    EXPECT_EQ(c.Post("/v1/timeline?stride=0", test::read_bytes(video), "application/octet-stream")->status, 400);
    EXPECT_EQ(c.Get("/v1/timeline")->status, 405);
    fs::remove_all(dir);
}

// GET / is the page, whole in itself: HTML that talks to the service's own endpoints, a
// Content-Security-Policy that lets nothing else load, and no address elsewhere in it.
TEST(Serve, TheWebPageIsServedFromTheBinary) {
    Service s;
    auto r = s.client().Get("/");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r->body, test::read_bytes(test::source_dir() / "tools/vivid/serve_page/index.html"));
    for (const char* used : {"/v1/model", "/v1/classify", "/v1/timeline", "<input type=\"file\""})
        EXPECT_NE(r->body.find(used), std::string::npos) << used;
    for (const char* external : {"http://", "https://", "//cdn", "<link ", " src="})
        EXPECT_EQ(r->body.find(external), std::string::npos) << external;
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(s.client().Post("/", std::string("x"), "text/plain")->status, 405);
}

TEST(Serve, ASplitModelAnswersPerHeadAsTheCliDoes) {
    const fs::path model = test::data_dir() / "vivit_fe" / "fe_two_heads" / "expected";
    Service s({}, model);
    const fs::path video = kVideos / "h264_yuv420p_bframes/video.mp4";
    auto r = s.client().Post("/v1/classify?top_k=2", test::read_bytes(video), "application/octet-stream");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const auto labels = nlohmann::json::parse(r->body)["labels"];
    const auto cli = test::run_cli({"classify", "--model", model.string(), video.string(), "--top-k", "2", "--json"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    const auto want = nlohmann::json::parse(cli.out);
    for (const char* head : {"noun", "verb", "joint"}) expect_same_labels(labels[head], want[head]);
}

TEST(Serve, EightClientsTenUploadsEachAllEqualToTheCli) {
    Service s({"--batch", "4"});
    const std::vector<fs::path> videos{kVideos / "h264_yuv420p_bframes/video.mp4", kVideos / "vp9_webm/video.webm",
                                       kVideos / "hevc_mp4/video.mp4", kVideos / "mpeg4_bframes_mp4/video.mp4"};
    std::vector<nlohmann::json> want;
    std::vector<std::string> bytes;
    for (const auto& v : videos) {
        want.push_back(cli_labels(v, 2));
        bytes.push_back(test::read_bytes(v));
    }
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; ++t)
        clients.emplace_back([&, t] {
            auto c = s.client();
            for (int i = 0; i < 10; ++i) {
                const std::size_t k = static_cast<std::size_t>(t + i) % videos.size();
                auto r = c.Post("/v1/classify?top_k=2", bytes[k], "application/octet-stream");
                if (!r || r->status != 200) {
                    ADD_FAILURE() << "upload " << i << " of client " << t << ": " << (r ? r->body : "no answer");
                    continue;
                }
                expect_same_labels(nlohmann::json::parse(r->body)["labels"], want[k]);
                ++ok;
            }
        });
    for (auto& c : clients) c.join();
    EXPECT_EQ(ok, 80);
    EXPECT_EQ(s.stop(), 0);
}

TEST(Serve, HostileUploadsGet422AndTheServiceGoesOn) {
    // The service's own temporary folder, so that other tests' uploads are not counted.
    test::TempDir tmp;
    ::setenv("TMPDIR", tmp.path().c_str(), 1);
    Service s({"--max-upload-mb", "8"});
    ::unsetenv("TMPDIR");
    auto c = s.client();
    int refused = 0;
    for (const auto& entry : fs::directory_iterator(test::source_dir() / "tests/hostile/files")) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("vid_", 0) != 0 || !entry.is_regular_file()) continue;
        auto r = c.Post("/v1/classify", test::read_bytes(entry.path()), "application/octet-stream");
        ASSERT_TRUE(r) << name;
        if (name == "vid_20000_frames_16x16.mp4") continue;  // a real (if long) video: classified
        EXPECT_TRUE(r->status == 422 || r->status == 400) << name << ": " << r->status << " " << r->body;
        EXPECT_NO_THROW((void)nlohmann::json::parse(r->body).at("error")) << name;
        ++refused;
    }
    EXPECT_GE(refused, 6);
    auto r = c.Post("/v1/classify", test::read_bytes(kVideos / "h264_yuv420p_bframes/video.mp4"), "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    for (const auto& e : fs::directory_iterator(tmp.path()))
        EXPECT_EQ(e.path().filename().string().rfind("vivid-upload-", 0), std::string::npos) << "left behind: " << e.path();
    EXPECT_EQ(s.stop(), 0);
}

TEST(Serve, AFullQueueAnswers503WithRetryAfter) {
    Service s({"--queue", "1"});
    const std::string bytes = test::read_bytes(kVideos / "h264_yuv420p_bframes/video.mp4");
    std::atomic<int> ok{0}, busy{0}, other{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t)
        clients.emplace_back([&] {
            auto c = s.client();
            for (int i = 0; i < 6; ++i) {
                auto r = c.Post("/v1/classify", bytes, "application/octet-stream");
                if (r && r->status == 200) ++ok;
                else if (r && r->status == 503 && r->get_header_value("Retry-After") == "1") ++busy;
                else ++other;
            }
        });
    for (auto& c : clients) c.join();
    EXPECT_GT(ok, 0);
    EXPECT_GT(busy, 0) << "8 clients at once with room for one: some must be told to retry";
    EXPECT_EQ(other, 0);
    EXPECT_EQ(s.stop(), 0);
}

// A raw connection: headers and part of a body, the rest later (or never).
int send_partial(int port, std::size_t declared, const std::string& part) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
    const std::string head = "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                             "Content-Length: " + std::to_string(declared) + "\r\n\r\n";
    (void)!::write(fd, head.data(), head.size());
    (void)!::write(fd, part.data(), part.size());
    return fd;
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

// A raw client connection, for what cpp-httplib's client will not send (lying lengths, no
// length, chunks over the cap, trickles). Its reads give up after 10 s, so that a service that
// waits for its 30 s read timeout fails a test instead of passing it late.
class RawConnection {
public:
    explicit RawConnection(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "cannot connect";
        const timeval ten{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &ten, sizeof ten);
    }
    ~RawConnection() { close(); }
    // Before stopping the service: SIGTERM lets the requests in flight finish, and a half-sent
    // upload is one until the service's read timeout.
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // False once the service has closed its side (MSG_NOSIGNAL: no SIGPIPE for the test).
    bool send(const std::string& bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }
    // The next answer's status line and headers ("" if none came within 10 s).
    std::string head() {
        std::string h;
        char ch;
        while (h.find("\r\n\r\n") == std::string::npos && ::recv(fd_, &ch, 1, 0) == 1) h += ch;
        return h;
    }
    // The next answer's status (0 if none came within 10 s), its body read when it has a length.
    int status() {
        const std::string h = head();
        if (h.rfind("HTTP/1.1 ", 0) != 0) return 0;
        if (const auto at = h.find("Content-Length: "); at != std::string::npos) {
            std::string body(std::stoul(h.substr(at + 16)), '\0');
            if (!body.empty()) (void)!::recv(fd_, body.data(), body.size(), MSG_WAITALL);
        }
        return std::stoi(h.substr(9, 3));
    }
    bool answered_within(int ms) {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, ms) > 0;
    }

private:
    int fd_ = -1;
};

std::string upload_head(const std::string& length_header) {
    return "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n" + length_header +
           "\r\n\r\n";
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The service's peak resident memory (kB).
long peak_rss_kb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// Waits (at most 10 s) until /metrics shows `line`; the last /metrics text.
std::string metrics_showing(const Service& s, const std::string& line) {
    auto c = s.client();
    std::string text;
    for (int i = 0; i < 200; ++i) {
        if (auto r = c.Get("/metrics"); r) text = r->body;
        if (text.find(line) != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return text;
}

// curl's default content type is form-urlencoded: cpp-httplib parsed such bodies as a form
// and refused them over 8 kB (413) although the limit was 100 MB.
TEST(ServeUploads, AnyContentTypeIsTheVideo) {
    Service s;
    const fs::path video = kVideos / "mpeg2_bframes_ts/video.ts";
    const std::string bytes = test::read_bytes(video);
    ASSERT_GT(bytes.size(), 8192u);
    auto c = s.client();
    for (const char* type : {"application/x-www-form-urlencoded", "text/plain", "video/mp4"}) {
        auto r = c.Post("/v1/classify?top_k=2", bytes, type);
        ASSERT_TRUE(r) << type;
        ASSERT_EQ(r->status, 200) << type << ": " << r->body;
        expect_same_labels(nlohmann::json::parse(r->body)["labels"], cli_labels(video, 2));
    }
    EXPECT_EQ(s.stop(), 0);
}

std::string chunked(const std::string& bytes, std::size_t piece) {
    std::string out;
    char size[32];
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        const std::size_t n = std::min(piece, bytes.size() - at);
        std::snprintf(size, sizeof size, "%zx\r\n", n);
        out += size + bytes.substr(at, n) + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// A chunked body has no Content-Length to check: it was read whole, past --max-upload-mb.
TEST(ServeUploads, AChunkedUploadIsCappedAndAcceptedUnderTheCap) {
    Service s({"--max-upload-mb", "1"});
    const fs::path video = kVideos / "h264_yuv420p_bframes/video.mp4";
    RawConnection ok(s.port);
    ASSERT_TRUE(ok.send(upload_head("Transfer-Encoding: chunked") + chunked(test::read_bytes(video), 1000)));
    EXPECT_EQ(ok.status(), 200);
    RawConnection over(s.port);
    const auto start = std::chrono::steady_clock::now();
    over.send(upload_head("Transfer-Encoding: chunked"));
    const std::string piece = std::string("10000\r\n") + std::string(65536, 'x') + "\r\n";
    for (int i = 0; i < 48 && over.send(piece); ++i) {  // 3 MB; the service may close before the end
    }
    EXPECT_EQ(over.status(), 413);
    EXPECT_LT(seconds_since(start), 5.0);
    EXPECT_EQ(s.client().Get("/healthz")->status, 200);
    EXPECT_EQ(s.stop(), 0);
}

// The upload goes to the private temporary file as it arrives: 64 MB chunked cost 64 MB+ of
// RAM (the whole body in a string) before.
TEST(ServeUploads, AnUploadIsNotHeldInMemory) {
    Service s({"--max-upload-mb", "100"});
    auto c = s.client();
    ASSERT_EQ(c.Post("/v1/classify", test::read_bytes(kVideos / "h264_yuv420p_bframes/video.mp4"),
                     "application/octet-stream")->status, 200);
    const long before = peak_rss_kb(s.pid);
    RawConnection raw(s.port);
    ASSERT_TRUE(raw.send(upload_head("Transfer-Encoding: chunked")));
    const std::string piece = std::string("100000\r\n") + std::string(1 << 20, 'x') + "\r\n";
    for (int i = 0; i < 64; ++i) ASSERT_TRUE(raw.send(piece));
    ASSERT_TRUE(raw.send("0\r\n\r\n"));
    EXPECT_EQ(raw.status(), 422) << "64 MB of 'x' is no video";
    EXPECT_LT(peak_rss_kb(s.pid) - before, 32 * 1024) << "peak RSS before the upload " << before << " kB";
    EXPECT_EQ(s.stop(), 0);
}

// The limit and the queue are known from the headers: a lying Content-Length was answered 413
// only after the 30 s read timeout (cpp-httplib skipped the whole claimed body first), and a
// full queue only after the body had arrived.
TEST(ServeUploads, OverTheLimitOrAFullQueueIsAnsweredFromTheHeaders) {
    Service s({"--max-upload-mb", "1", "--queue", "1"});
    auto start = std::chrono::steady_clock::now();
    RawConnection lying(s.port);
    ASSERT_TRUE(lying.send(upload_head("Content-Length: 10000000000") + std::string(1000, 'x')));
    EXPECT_EQ(lying.status(), 413);
    EXPECT_LT(seconds_since(start), 5.0);
    RawConnection expecting(s.port);  // curl sends Expect: 100-continue for big bodies
    ASSERT_TRUE(expecting.send(upload_head("Expect: 100-continue\r\nContent-Length: 2000000")));
    EXPECT_EQ(expecting.status(), 413) << "the body is not wanted: no 100 Continue";

    RawConnection holder(s.port);  // the one upload in flight, half sent
    ASSERT_TRUE(holder.send(upload_head("Content-Length: 100000") + std::string(1000, 'x')));
    const std::string text = metrics_showing(s, "vivid_videos_in_flight 1");
    ASSERT_NE(text.find("vivid_videos_in_flight 1"), std::string::npos) << text;
    start = std::chrono::steady_clock::now();
    RawConnection second(s.port);
    ASSERT_TRUE(second.send(upload_head("Content-Length: 100000")));
    const std::string head = second.head();
    EXPECT_EQ(head.rfind("HTTP/1.1 503", 0), 0u) << head;
    EXPECT_NE(head.find("Retry-After: 1"), std::string::npos) << head;
    EXPECT_LT(seconds_since(start), 5.0);
    holder.close();
    EXPECT_EQ(s.stop(), 0);
}

// Ten uploads that trickle in held all of cpp-httplib's 8 threads: /healthz waited behind them.
TEST(ServeUploads, HealthAndMetricsDoNotWaitBehindSlowUploads) {
    Service s;
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (int i = 0; i < 10; ++i) {
        slow.push_back(std::make_unique<RawConnection>(s.port));
        ASSERT_TRUE(slow.back()->send(upload_head("Content-Length: 1000000") + std::string(1000, 'x')));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    httplib::Client c("127.0.0.1", s.port);
    c.set_read_timeout(10, 0);
    const auto start = std::chrono::steady_clock::now();
    auto r = c.Get("/healthz");
    ASSERT_TRUE(r) << "no answer within 10 s";
    EXPECT_EQ(r->status, 200);
    r = c.Get("/metrics");
    ASSERT_TRUE(r) << "no answer within 10 s";
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(seconds_since(start), 5.0);
    slow.clear();
    EXPECT_EQ(s.stop(), 0);
}

// An upload that keeps trickling (a byte each 200 ms, never idle for --timeout) held its
// thread for as long as it liked; --upload-timeout bounds a request from first byte to last.
TEST(ServeUploads, AnUploadHasAnOverallDeadline) {
    Service s({"--upload-timeout", "2"});
    RawConnection raw(s.port);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(raw.send(upload_head("Content-Length: 100000")));
    while (seconds_since(start) < 15 && !raw.answered_within(200) && raw.send("x")) {
    }
    EXPECT_EQ(raw.status(), 408);
    EXPECT_LT(seconds_since(start), 10.0);
    EXPECT_EQ(s.stop(), 0);
}

// No Content-Length and no chunks is no body (HTTP/1.1); cpp-httplib read until the client
// closed, so the 400 came after the 30 s timeout.
TEST(ServeUploads, NoBodyIsRefusedAtOnce) {
    Service s;
    for (const char* length : {"", "Content-Length: 0"}) {
        const auto start = std::chrono::steady_clock::now();
        RawConnection raw(s.port);
        ASSERT_TRUE(raw.send("POST /v1/classify HTTP/1.1\r\nHost: x\r\n" + std::string(length) +
                             (*length ? "\r\n" : "") + "\r\n"));
        EXPECT_EQ(raw.status(), 400) << "'" << length << "'";
        EXPECT_LT(seconds_since(start), 5.0) << "'" << length << "'";
    }
    EXPECT_EQ(s.stop(), 0);
}

// A request that does not parse never reached the handler that started the clock: its time was
// measured from the thread's previous request (here one whose body took 6 s).
TEST(ServeUploads, AMalformedRequestIsTimedFromItsFirstByte) {
    Service s;
    const std::string bytes = test::read_bytes(kVideos / "h264_yuv420p_bframes/video.mp4");
    RawConnection raw(s.port);
    ASSERT_TRUE(raw.send(upload_head("Content-Length: " + std::to_string(bytes.size()))));
    const std::size_t piece = bytes.size() / 6 + 1;
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        ASSERT_TRUE(raw.send(bytes.substr(at, piece)));
    }
    ASSERT_EQ(raw.status(), 200);
    ASSERT_TRUE(raw.send("NOT AN HTTP REQUEST\r\n\r\n"));
    EXPECT_EQ(raw.status(), 400);
    const std::string counted = "vivid_request_duration_seconds_count{endpoint=\"other\"} 1";
    const std::string text = metrics_showing(s, counted);
    ASSERT_NE(text.find(counted), std::string::npos) << text;
    EXPECT_NE(text.find("vivid_request_duration_seconds_bucket{endpoint=\"other\",le=\"5\"} 1"), std::string::npos)
        << text;
    EXPECT_EQ(s.stop(), 0);
}

// tests/hostile/requests.tsv: one hostile upload per line (see its header).
struct HostileRequest {
    std::string name, head, body, sending;
    int status = 0;
};

void PrintTo(const HostileRequest& r, std::ostream* os) { *os << r.name; }

std::vector<HostileRequest> load_hostile_requests() {
    std::vector<HostileRequest> requests;
    std::ifstream in(test::source_dir() / "tests/hostile/requests.tsv");
    std::string line, status;
    std::getline(in, line);  // the header line
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        HostileRequest r;
        std::getline(fields, r.name, '\t');
        std::getline(fields, r.head, '\t');
        std::getline(fields, r.body, '\t');
        std::getline(fields, r.sending, '\t');
        std::getline(fields, status, '\t');
        r.status = std::stoi(status);
        requests.push_back(r);
    }
    return requests;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::string request_body(const std::string& spec) {
    if (spec == "none") return "";
    if (spec == "video") return test::read_bytes(kVideos / "mpeg2_bframes_ts/video.ts");
    const std::string kind = spec.substr(0, spec.find(':')), arg = spec.substr(spec.find(':') + 1);
    if (kind == "x") return std::string(std::stoul(arg), 'x');
    if (kind == "chunked-x") return chunked(std::string(std::stoul(arg), 'x'), 65536);
    if (kind == "text") return replace_all(replace_all(arg, "\\r", "\r"), "\\n", "\n");
    ADD_FAILURE() << "unknown body " << spec;
    return "";
}

// Sends `bytes` a byte each 100 ms until the service answers or closes (at most 15 s).
void trickle(RawConnection& raw, const std::string& bytes) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < bytes.size() && seconds_since(start) < 15; ++i)
        if (raw.answered_within(100) || !raw.send(bytes.substr(i, 1))) return;
}

class HostileRequests : public ::testing::TestWithParam<HostileRequest> {};

TEST_P(HostileRequests, AnsweredInTimeAndTheServiceGoesOn) {
    const HostileRequest& r = GetParam();
    Service s({"--max-upload-mb", "1", "--upload-timeout", "2"});
    const std::string body = request_body(r.body);
    const std::string head = replace_all(replace_all(r.head, "{length}", std::to_string(body.size())), "|", "\r\n") +
                             "\r\n\r\n";
    RawConnection raw(s.port);
    const auto start = std::chrono::steady_clock::now();
    if (r.sending == "whole") {
        raw.send(head + body);  // the service may answer and close before the end
    } else if (r.sending == "trickle-body") {
        ASSERT_TRUE(raw.send(head));
        trickle(raw, body);
    } else {
        ASSERT_EQ(r.sending, "trickle-head");
        const std::size_t line_end = head.find("\r\n") + 2;
        ASSERT_TRUE(raw.send(head.substr(0, line_end)));
        trickle(raw, head.substr(line_end));
    }
    EXPECT_EQ(raw.status(), r.status);
    EXPECT_LT(seconds_since(start), r.sending == "whole" ? 5.0 : 10.0);
    auto health = s.client().Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(s.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Uploads, HostileRequests, ::testing::ValuesIn(load_hostile_requests()),
                         [](const ::testing::TestParamInfo<HostileRequest>& info) { return info.param.name; });

TEST(HostileRequestList, HasTheUploadCases) { EXPECT_GE(load_hostile_requests().size(), 10u); }

// examples/serve/kubernetes.yaml, read as text: the first number after `key:` from `from` on.
long manifest_number(const std::string& yaml, const std::string& key, std::size_t from = 0) {
    const std::size_t at = yaml.find(key + ":", from);
    if (at == std::string::npos) return -1;
    return std::stol(yaml.substr(yaml.find_first_of("0123456789", at)));
}

std::vector<std::string> manifest_args(const std::string& yaml) {
    std::vector<std::string> args;
    const std::size_t begin = yaml.find("args: ["), end = yaml.find(']', begin);
    if (begin == std::string::npos) return args;
    std::istringstream list(yaml.substr(begin + 7, end - begin - 7));
    for (std::string item; std::getline(list, item, ',');)
        args.push_back(item.substr(item.find('"') + 1, item.rfind('"') - item.find('"') - 1));
    return args;
}

// The number after `flag` in the manifest's args; -1 if it is not there.
long arg_number(const std::vector<std::string>& args, const std::string& flag) {
    const auto at = std::find(args.begin(), args.end(), flag);
    return at == args.end() || at + 1 == args.end() ? -1 : std::stol(*(at + 1));
}

// The example deployment as written: the service starts with its arguments, its probes are
// answered within their timeoutSeconds while --queue uploads trickle in, the memory limit holds
// the memory-backed /tmp's --queue x --max-upload-mb, the grace period covers the preStop pause
// and the slowest upload, a local image is not pulled, and local build folders stay out of the
// image's build context.
TEST(ServeExample, TheKubernetesManifestWorksWithTheService) {
    const std::string yaml = test::read_bytes(test::source_dir() / "examples/serve/kubernetes.yaml");
    std::vector<std::string> args = manifest_args(yaml);
    ASSERT_FALSE(args.empty());
    args.erase(std::find(args.begin(), args.end(), "--threads"), std::find(args.begin(), args.end(), "--threads") + 2);
    const long queue = arg_number(args, "--queue"), upload_mb = arg_number(args, "--max-upload-mb");
    const long deadline = arg_number(args, "--upload-timeout");
    ASSERT_TRUE(queue > 0 && upload_mb > 0 && deadline > 0) << "--queue, --max-upload-mb, --upload-timeout: the limits "
                                                                  "that size memory and the grace period";
    const long memory_gib = manifest_number(yaml, "memory", yaml.find("limits:"));
    EXPECT_GE(memory_gib * 1024, queue * upload_mb + 1024) << "uploads in a memory-backed /tmp, plus 1 GiB for the model";
    EXPECT_NE(yaml.find("medium: Memory, sizeLimit: " + std::to_string(queue * upload_mb) + "Mi"), std::string::npos);
    const long grace = manifest_number(yaml, "terminationGracePeriodSeconds");
    const std::size_t pause = yaml.find("[\"sleep\", \"");
    ASSERT_NE(pause, std::string::npos) << "no preStop pause";
    EXPECT_GE(grace, std::stol(yaml.substr(pause + 11)) + deadline + 10) << "preStop, the slowest upload, its forward";
    EXPECT_NE(yaml.find("imagePullPolicy: IfNotPresent"), std::string::npos);
    const std::size_t image = yaml.find("image: ");
    ASSERT_NE(image, std::string::npos);
    const std::string name = yaml.substr(image + 7, yaml.find('\n', image) - image - 7);
    EXPECT_TRUE(name.find(':') != std::string::npos && !name.ends_with(":latest")) << name << ": the policy is Always";
    EXPECT_NE(yaml.find("accessModes: [ReadOnlyMany]"), std::string::npos) << "replicas on several nodes";
    EXPECT_NE(test::read_bytes(test::source_dir() / ".dockerignore").find("\nbuild*\n"), std::string::npos);
    const long probe_timeout = std::min(manifest_number(yaml, "timeoutSeconds", yaml.find("readinessProbe")),
                                        manifest_number(yaml, "timeoutSeconds", yaml.find("livenessProbe")));
    ASSERT_GT(probe_timeout, 0) << "probes without timeoutSeconds";

    Service s(args);
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (long i = 0; i < queue; ++i) {
        slow.push_back(std::make_unique<RawConnection>(s.port));
        ASSERT_TRUE(slow.back()->send(upload_head("Content-Length: 1000000") + std::string(1000, 'x')));
    }
    httplib::Client c("127.0.0.1", s.port);
    c.set_read_timeout(probe_timeout, 0);
    auto r = c.Get("/healthz");
    ASSERT_TRUE(r) << "no answer within the probe's " << probe_timeout << " s";
    EXPECT_EQ(r->status, 200);
    slow.clear();
    EXPECT_EQ(s.stop(), 0);
}

// The image installs the project's own .deb (built in its first stage), so the two cannot drift
// apart; its entry point is where the package puts the CLI.
TEST(ServeExample, TheDockerfileInstallsTheDebianPackage) {
    const std::string docker = test::read_bytes(test::source_dir() / "examples/serve/Dockerfile");
    const std::string package = test::read_bytes(test::source_dir() / "cmake/package.cmake");
    EXPECT_NE(docker.find("AS build"), std::string::npos);
    EXPECT_NE(docker.find("install_dependencies.sh --build-only"), std::string::npos);
    EXPECT_NE(docker.find("cpack -G DEB -B /deb"), std::string::npos);
    EXPECT_NE(docker.find("COPY --from=build /deb/vivid_*.deb"), std::string::npos);
    EXPECT_NE(docker.find("apt-get install -y --no-install-recommends /tmp/vivid_*.deb"), std::string::npos);
    EXPECT_NE(package.find("set(CPACK_PACKAGING_INSTALL_PREFIX /usr)"), std::string::npos);
    EXPECT_NE(docker.find("ENTRYPOINT [\"/usr/bin/vivid\", \"serve\""), std::string::npos);
    EXPECT_NE(test::read_bytes(test::source_dir() / "scripts/install_dependencies.sh").find("--build-only"),
              std::string::npos);
}

TEST(Serve, OverTheLimitAndHalfABody) {
    Service s({"--max-upload-mb", "1", "--timeout", "1"});
    auto c = s.client();
    auto r = c.Post("/v1/classify", std::string(3 << 20, 'x'), "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    // Half a body, then silence: the service gives up on it after its timeout and goes on.
    const int fd = send_partial(s.port, 100000, std::string(1000, 'x'));
    ASSERT_GE(fd, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    r = c.Post("/v1/classify", test::read_bytes(kVideos / "h264_yuv420p_bframes/video.mp4"), "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    ::close(fd);
    EXPECT_EQ(s.stop(), 0);
}

TEST(Serve, SigtermDuringARequestFinishesIt) {
    Service s;
    const std::string bytes = test::read_bytes(kVideos / "h264_yuv420p_bframes/video.mp4");
    const int fd = send_partial(s.port, bytes.size(), bytes.substr(0, bytes.size() / 2));
    ASSERT_GE(fd, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(s.pid, SIGTERM);  // while the request is half sent
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::string rest = bytes.substr(bytes.size() / 2);
    ASSERT_EQ(::write(fd, rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
    const std::string answer = read_all(fd);
    ::close(fd);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer.substr(0, 200);
    EXPECT_NE(answer.find("\"labels\""), std::string::npos);
    int status = 0;
    ::waitpid(s.pid, &status, 0);
    s.pid = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace vivid
