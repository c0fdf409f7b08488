// `vivid serve` on the loopback interface: every endpoint, 8 clients x 10 uploads at once with
// every answer equal to `vivid classify`'s, hostile uploads (422, the service alive after), an
// upload over the limit (413), a client that sends half a body and stops, and SIGTERM during a
// request (the request completes, exit status 0).
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
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
    explicit Service(std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"serve", "--model", kModel.string(), "--port", std::to_string(port), "--threads", "2"};
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
