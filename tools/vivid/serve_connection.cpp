#include "serve_connection.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <tuple>

namespace vivid::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct RequestState {
    Clock::time_point start = Clock::now();
    Clock::time_point deadline = Clock::time_point::max();
    bool close = false;
    bool timed_out = false;
};
thread_local RequestState t_request;

// Waits for `events` at most `timeout`, and never past `until`.
bool wait_for(int sock, short events, Clock::duration timeout, Clock::time_point until) {
    const Clock::time_point end = std::min(Clock::now() + timeout, until);
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{sock, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000000)));
        if (n > 0) return true;  // ready, or an error or hang-up that the next call reports
        if (n == 0 || errno != EINTR) return false;
    }
}

std::pair<std::string, int> address_of(const sockaddr_storage& a, socklen_t len) {
    char host[NI_MAXHOST] = "", port[NI_MAXSERV] = "0";
    ::getnameinfo(reinterpret_cast<const sockaddr*>(&a), len, host, sizeof host, port, sizeof port,
                  NI_NUMERICHOST | NI_NUMERICSERV);
    return {host, std::atoi(port)};
}

// One connection's socket. Reads go through a buffer that lasts as long as the connection
// (cpp-httplib reads a request line a byte at a time, and bytes of the next request must not be
// lost between requests); each wait is bounded by the read timeout and the request's deadline.
class ConnectionStream final : public httplib::Stream {
public:
    ConnectionStream(int sock, Clock::duration read_timeout, Clock::duration write_timeout)
        : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

    bool buffered() const { return begin_ < end_; }
    bool is_readable() const override {
        if (buffered() || wait_for(sock_, POLLIN, read_timeout_, t_request.deadline)) return true;
        t_request.timed_out = true;
        return false;
    }
    bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_, Clock::time_point::max()); }
    ssize_t read(char* ptr, size_t size) override {
        if (!buffered()) {
            if (!is_readable()) return -1;
            ssize_t n;
            do n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
            while (n < 0 && errno == EINTR);
            if (n <= 0) return n;
            begin_ = 0;
            end_ = static_cast<std::size_t>(n);
        }
        const std::size_t n = std::min(size, end_ - begin_);
        std::memcpy(ptr, buffer_.data() + begin_, n);
        begin_ += n;
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
        if (!is_writable()) return -1;
        ssize_t n;
        do n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n;
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) std::tie(ip, port) = address_of(a, len);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) std::tie(ip, port) = address_of(a, len);
    }
    socket_t socket() const override { return sock_; }

private:
    int sock_;
    Clock::duration read_timeout_, write_timeout_;
    std::array<char, 16384> buffer_{};
    std::size_t begin_ = 0, end_ = 0;
};

// Between requests: true when the next one starts, false when the client is gone, the idle
// time is over or the server stops (checked every 100 ms, as cpp-httplib does).
template <typename Stopping>
bool next_request(const ConnectionStream& strm, int sock, Clock::duration idle, Stopping stopping) {
    const Clock::time_point end = Clock::now() + idle;
    while (!strm.buffered() && !wait_for(sock, POLLIN, std::chrono::milliseconds(100), end))
        if (stopping() || Clock::now() >= end) return false;
    return !stopping();
}

// Closing a socket with unread bytes sends a reset, which can destroy the answer before the
// client reads it: say we are done, then drop what still arrives, for at most a second.
void close_gently(int sock) {
    ::shutdown(sock, SHUT_WR);
    const Clock::time_point end = Clock::now() + std::chrono::seconds(1);
    std::array<char, 16384> sink;
    while (wait_for(sock, POLLIN, std::chrono::seconds(1), end) && ::recv(sock, sink.data(), sink.size(), 0) > 0) {
    }
}

}  // namespace

void ConnectionServer::close_after_answer() { t_request.close = true; }
bool ConnectionServer::timed_out() { return t_request.timed_out; }
Clock::time_point ConnectionServer::request_start() { return t_request.start; }

bool ConnectionServer::process_and_close_socket(socket_t sock) {
    using std::chrono::seconds, std::chrono::microseconds;
    ConnectionStream strm(sock, seconds(read_timeout_sec_) + microseconds(read_timeout_usec_),
                          seconds(write_timeout_sec_) + microseconds(write_timeout_usec_));
    auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
    bool ok = true;
    t_request = {};
    for (std::size_t left = keep_alive_max_count_; ok && left > 0; --left) {
        if (!next_request(strm, sock, seconds(keep_alive_timeout_sec_), stopping)) break;
        t_request = {};
        t_request.deadline = t_request.start + request_deadline_;
        bool client_closes = false;
        ok = process_request(strm, left == 1, client_closes, nullptr) && !client_closes;
        // After a refusal or a timeout, what is left on the connection is not a request.
        if (t_request.close || t_request.timed_out) {
            close_gently(sock);
            break;
        }
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
}

}  // namespace vivid::cli
