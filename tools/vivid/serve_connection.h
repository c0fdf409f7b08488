// The service's connections: cpp-httplib's server with its own loop over a connection's
// requests, so that
// - every request has a deadline from its first byte to its last (headers and body): a client
//   that trickles bytes, never idle long enough for the read timeout, cannot hold an HTTP
//   thread past it;
// - a handler that answers without reading the body can close the connection: the unread
//   body would otherwise be taken for the next request;
// - a request's time runs from its first byte, also for one that never parses.
#pragma once

#include <httplib.h>

#include <chrono>

namespace vivid::cli {

class ConnectionServer : public httplib::Server {
public:
    explicit ConnectionServer(std::chrono::seconds request_deadline) : request_deadline_(request_deadline) {}

    // About the request being handled on the calling thread (handlers, error handler, logger).
    static void close_after_answer();
    static bool timed_out();  // a read gave up: the read timeout or the request's deadline
    static std::chrono::steady_clock::time_point request_start();

private:
    bool process_and_close_socket(socket_t sock) override;

    std::chrono::seconds request_deadline_;
};

}  // namespace vivid::cli
