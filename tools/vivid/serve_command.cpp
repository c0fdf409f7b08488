// vivid serve: an HTTP service that classifies uploaded videos, one more client of the library
// (cpp-httplib from Debian). Uploads stream to a private temporary file (serve_upload.h) and are
// decoded and preprocessed on the HTTP threads while the model works on earlier ones; one forward
// runs at a time (up to --batch waiting requests share it). Uploads in flight are capped at
// --queue (503 from the headers); the HTTP threads are --queue plus spares, so health, metrics
// and refusals never wait behind uploads, and each request has a deadline (serve_connection.h).
// SIGTERM or SIGINT: stop accepting, finish what is in flight, exit 0. One log line per request
// on stderr. `GET /` is a web page over the same endpoints (tools/vivid/serve_page/, compiled in);
// `POST /v1/timeline` answers what `vivid timeline --out` and `--svg` write for the upload.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "command.h"
#include "labels_json.h"
#include "model_description.h"
#include "serve_connection.h"
#include "serve_metrics.h"
#include "serve_page_data.h"
#include "serve_upload.h"
#include "timeline_json.h"
#include "timeline_svg.h"

namespace vivid::cli {
namespace {

struct ServeArgs {
    std::string model_dir;
    std::string host = "127.0.0.1";
    int port = 8080;
    int max_upload_mb = 100;
    int batch = 1;
    int queue = 16;
    int read_timeout = 30;
    int upload_timeout = 300;
    Options options;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Answer {
    int status = 200;
    nlohmann::json body;
};

// A decoded upload waiting for the model.
struct Job {
    FloatArray pixel_values;
    int top_k = 5;
    double decode_ms = 0;
    std::promise<Answer> answer;
};

// The model's own thread: takes up to `batch` waiting jobs, runs them through one forward.
class ModelWorker {
public:
    ModelWorker(Model& model, int batch, ServeMetrics& metrics) : model_(model), batch_(batch), metrics_(metrics) {
        thread_ = std::thread([this] { run(); });
    }
    ~ModelWorker() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        thread_.join();
    }
    std::future<Answer> submit(std::unique_ptr<Job> job) {
        std::future<Answer> f = job->answer.get_future();
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back(std::move(job));
            metrics_.queue_depth = static_cast<int>(jobs_.size());
        }
        ready_.notify_one();
        return f;
    }

private:
    void run() {
        for (;;) {
            std::vector<std::unique_ptr<Job>> group;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                while (!jobs_.empty() && static_cast<int>(group.size()) < batch_) {
                    group.push_back(std::move(jobs_.front()));
                    jobs_.pop_front();
                }
                metrics_.queue_depth = static_cast<int>(jobs_.size());
            }
            answer(group);
        }
    }

    // One forward when every clip has the same shape, else one per job; labels per job.
    void answer(std::vector<std::unique_ptr<Job>>& group) {
        const auto start = Clock::now();
        std::vector<FloatArray> logits(group.size());
        try {
            bool same = true;
            for (const auto& j : group) same = same && j->pixel_values.shape == group[0]->pixel_values.shape;
            if (same && group.size() > 1) {
                FloatArray all{group[0]->pixel_values.shape, {}};
                all.shape[0] *= static_cast<int64_t>(group.size());
                for (const auto& j : group) all.values.insert(all.values.end(), j->pixel_values.values.begin(), j->pixel_values.values.end());
                const FloatArray out = model_.forward(all).logits;
                const int64_t rows = group[0]->pixel_values.shape[0], labels = out.shape[1];
                for (std::size_t i = 0; i < group.size(); ++i)
                    logits[i] = {{rows, labels},
                                 {out.values.begin() + i * rows * labels, out.values.begin() + (i + 1) * rows * labels}};
            } else {
                for (std::size_t i = 0; i < group.size(); ++i) logits[i] = model_.forward(group[i]->pixel_values).logits;
            }
        } catch (const Error& e) {
            for (auto& j : group) j->answer.set_value({422, {{"error", e.what()}}});
            return;
        }
        const double model_ms = ms_since(start);
        for (std::size_t i = 0; i < group.size(); ++i) {
            Job& j = *group[i];
            const auto labels = head_labels_json<nlohmann::json>(model_.head_labels(logits[i], j.top_k));
            const auto& shape = j.pixel_values.shape;
            j.answer.set_value({200,
                                {{"labels", labels},
                                 {"frames", shape[0] * shape[1]},
                                 {"decode_ms", j.decode_ms},
                                 {"model_ms", model_ms}}});
        }
    }

    Model& model_;
    int batch_;
    ServeMetrics& metrics_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::unique_ptr<Job>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

std::string endpoint_of(const std::string& path) {
    for (const char* known : {"/", "/v1/classify", "/v1/timeline", "/v1/model", "/healthz", "/metrics"})
        if (path == known) return known;
    return "other";
}

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

// HTTP threads beyond the --queue uploads in flight: health checks, metrics, the model's
// description, refusals and idle keep-alive connections.
constexpr int kSpareThreads = 8;

// A body the service does not read (a method that takes none) must not stay on the connection,
// where it would be read as the next request.
bool carries_body(const httplib::Request& req) {
    if (req.has_header("Transfer-Encoding")) return true;
    return req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
}

void refuse(httplib::Response& res, const Refusal& r) {
    if (r.status == 503) res.set_header("Retry-After", "1");
    json_reply(res, r.status, {{"error", r.error}});
}

// What the routes share: the model and its worker, the limits, the metrics.
class Service {
public:
    Service(const ServeArgs& a, Model& model, ServeMetrics& metrics)
        : a_(a), model_(model), metrics_(metrics), worker_(model, a.batch, metrics),
          max_bytes_(static_cast<std::uint64_t>(a.max_upload_mb) << 20), description_(describe_model(model, a.model_dir)) {
        decode_options_ = model.options();
        if (decode_options_.preprocessor_config.empty())
            decode_options_.preprocessor_config =
                (std::filesystem::path(a.model_dir) / "preprocessor_config.json").string();
    }

    // Refusals known from the headers: a full queue, then the upload's length.
    std::optional<Refusal> refuse_early(const httplib::Request& req, int in_flight) const {
        if (in_flight > a_.queue) return Refusal{503, "the queue is full (" + std::to_string(a_.queue) + " videos)"};
        return refuse_from_headers(req, max_bytes_);
    }

    void classify(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        InFlight counted{metrics_};
        if (auto r = refuse_early(req, counted.count)) return refuse(res, *r);
        const std::optional<int> top_k = positive_param(req, "top_k", 5);
        if (!top_k) return json_reply(res, 400, {{"error", "top_k must be a positive integer"}});
        auto job = std::make_unique<Job>();
        job->top_k = *top_k;
        if (auto r = decode(req, reader, *job)) return refuse(res, *r);
        const Answer answer = worker_.submit(std::move(job)).get();
        json_reply(res, answer.status, answer.body);
    }

    // The upload's timeline: {"windows": [...], "segments": [...], "svg": "..."}, the records
    // `vivid timeline --out` writes and the picture `--svg` draws (titled ?name=, else "upload").
    // Its forwards take turns with the model worker's on the model's own lock.
    void timeline(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        InFlight counted{metrics_};
        if (auto r = refuse_early(req, counted.count)) return refuse(res, *r);
        const std::optional<int> top_k = positive_param(req, "top_k", 5), stride = positive_param(req, "stride", 0);
        if (!top_k || !stride) return json_reply(res, 400, {{"error", "top_k and stride must be positive integers"}});
        std::optional<UploadFile> upload;
        if (auto r = receive(req, reader, upload)) return refuse(res, *r);
        Timeline t;
        try {
            t = model_.timeline(upload->path(), WindowOptions{.stride = *stride}, *top_k);
        } catch (const Error& e) {
            return refuse(res, {422, std::string("the upload: ") + e.problem()});
        }
        nlohmann::ordered_json body{{"windows", nlohmann::ordered_json::array()},
                                    {"segments", nlohmann::ordered_json::array()}};
        for (const LabelledWindow& w : t.windows) body["windows"].push_back(window_record(w));
        for (const Segment& s : t.segments) body["segments"].push_back(segment_record(s));
        body["svg"] = timeline_svg(t, req.has_param("name") ? req.get_param_value("name") : "upload");
        res.set_content(body.dump(), "application/json");
    }

    // Expect: 100-continue (curl, for big bodies): a refusal instead of asking for the body.
    int expect_body(const httplib::Request& req, httplib::Response& res) const {
        if (req.path != "/v1/classify" && req.path != "/v1/timeline") return 100;
        auto r = refuse_early(req, metrics_.in_flight + 1);
        if (!r) return 100;
        refuse(res, *r);
        return r->status;
    }

    const nlohmann::json& description() const { return description_; }

private:
    // An upload counted in flight while it is handled; `count` includes it.
    struct InFlight {
        ServeMetrics& m;
        int count = ++m.in_flight;
        ~InFlight() { m.in_flight--; }
    };

    // The upload into its temporary file.
    std::optional<Refusal> receive(const httplib::Request& req, const httplib::ContentReader& reader,
                                   std::optional<UploadFile>& upload) const {
        try {
            upload.emplace();
        } catch (const Error& e) {
            return Refusal{500, e.problem()};
        }
        return upload->receive(req, reader, max_bytes_);
    }

    // The upload into its temporary file, then its pixel values into the job.
    std::optional<Refusal> decode(const httplib::Request& req, const httplib::ContentReader& reader, Job& job) const {
        std::optional<UploadFile> upload;
        if (auto r = receive(req, reader, upload)) return r;
        const auto start = Clock::now();
        try {
            job.pixel_values = preprocess_video(upload->path(), model_.info().frames, decode_options_).pixel_values;
        } catch (const Error& e) {
            return Refusal{422, std::string("the upload: ") + e.problem()};
        }
        job.decode_ms = ms_since(start);
        return std::nullopt;
    }

    // The query parameter `name` as a positive integer, `absent` without one; nullopt if malformed.
    static std::optional<int> positive_param(const httplib::Request& req, const char* name, int absent) {
        if (!req.has_param(name)) return absent;
        int k = 0;
        const std::string& text = req.get_param_value(name);
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), k);
        if (error != std::errc() || end != text.data() + text.size() || k < 1) return std::nullopt;
        return k;
    }

    const ServeArgs& a_;
    Model& model_;
    ServeMetrics& metrics_;
    ModelWorker worker_;
    std::uint64_t max_bytes_;
    nlohmann::json description_;
    Options decode_options_;
};

void add_routes(httplib::Server& server, Service& service, ServeMetrics& metrics) {
    using httplib::ContentReader, httplib::Request, httplib::Response;
    server.Get("/", [](const Request&, Response& res) {
        const std::string_view page = *embedded_data_file("index.html");
        res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
        // The page is whole in itself: nothing from another origin may load or be sent anywhere.
        res.set_header("Content-Security-Policy",
                       "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                       "connect-src 'self'; img-src 'self' data: blob:; media-src blob:; form-action 'none'");
    });
    server.Get("/healthz", [](const Request&, Response& res) { res.set_content("ok\n", "text/plain"); });
    server.Get("/v1/model", [&](const Request&, Response& res) { json_reply(res, 200, service.description()); });
    server.Get("/metrics", [&](const Request&, Response& res) {
        res.set_content(metrics.text(), "text/plain; version=0.0.4");
    });
    server.Post("/v1/classify", [&](const Request& req, Response& res, const ContentReader& reader) {
        service.classify(req, res, reader);
    });
    server.Post("/v1/timeline", [&](const Request& req, Response& res, const ContentReader& reader) {
        service.timeline(req, res, reader);
    });
    for (const char* path : {"/v1/classify", "/v1/timeline"})
        server.Get(path, [path](const Request&, Response& res) {
            json_reply(res, 405, {{"error", std::string("POST the video's bytes to ") + path}});
        });
    // Every other request that may carry a body is answered without reading it (the error
    // handler closes the connection): cpp-httplib would read it into memory first.
    auto answer = [](int status, const char* what) {
        return [=](const Request&, Response& res, const ContentReader&) { json_reply(res, status, {{"error", what}}); };
    };
    using Route = httplib::Server& (httplib::Server::*)(const std::string&, httplib::Server::HandlerWithContentReader);
    for (Route route : {static_cast<Route>(&httplib::Server::Post), static_cast<Route>(&httplib::Server::Put),
                        static_cast<Route>(&httplib::Server::Patch), static_cast<Route>(&httplib::Server::Delete)}) {
        for (const char* path : {"/", "/healthz", "/v1/model", "/metrics", "/v1/classify", "/v1/timeline"})
            (server.*route)(path, answer(405, "method not allowed"));
        (server.*route)(".*", answer(404, "no such path"));
    }
}

void set_handlers(ConnectionServer& server, Service& service, ServeMetrics& metrics) {
    server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
        if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS")
            if (carries_body(req)) ConnectionServer::close_after_answer();
        return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_expect_100_continue_handler(
        [&](const httplib::Request& req, httplib::Response& res) { return service.expect_body(req, res); });
    server.set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
        const double ms = ms_since(ConnectionServer::request_start());
        metrics.request(endpoint_of(req.path), res.status, ms / 1000);
        std::fprintf(stderr, "%s %s %d %.1f ms\n", req.method.c_str(), req.path.c_str(), res.status, ms);
    });
    // After an error, what follows on the connection may be the rest of a body left unread (a
    // refusal from the headers, a request that did not parse): never a request to answer.
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
        ConnectionServer::close_after_answer();
        res.set_header("Connection", "close");
        if (!res.body.empty()) return;
        if (ConnectionServer::timed_out()) res.status = 408;
        const char* what = res.status == 404   ? "no such path"
                           : res.status == 408 ? "the request did not arrive in time"
                           : res.status == 413 ? "the upload is over the limit"
                                               : "bad request";
        json_reply(res, res.status, {{"error", what}});
    });
}

void serve(const ServeArgs& a) {
    // Signals go to one thread that stops the server: every thread started below inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Model model = Model::load(a.model_dir, a.options);
    if (model.info().pretraining) throw Error(a.model_dir, "is a pre-training model; the service classifies");
    ServeMetrics metrics;
    Service service(a, model, metrics);

    ConnectionServer server{std::chrono::seconds(a.upload_timeout)};
    server.new_task_queue = [threads = a.queue + kSpareThreads] { return new httplib::ThreadPool(threads); };
    server.set_read_timeout(a.read_timeout, 0);
    server.set_write_timeout(a.read_timeout, 0);
    set_handlers(server, service, metrics);
    add_routes(server, service, metrics);

    int port = a.port;
    if (port == 0) port = server.bind_to_any_port(a.host);
    else if (!server.bind_to_port(a.host, port)) throw Error(a.host + ":" + std::to_string(port), "cannot listen there");
    if (port < 0) throw Error(a.host, "cannot listen on any port");
    std::thread stopper([&server, signals] {
        int sig = 0;
        sigwait(&signals, &sig);
        std::fprintf(stderr, "vivid serve: %s: finishing the requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        server.stop();
    });
    std::fprintf(stderr, "vivid serve: %s on http://%s:%d\n", model.info().architecture.c_str(), a.host.c_str(), port);
    server.listen_after_bind();  // returns once stopped and the requests in flight are answered
    pthread_kill(stopper.native_handle(), SIGTERM);  // a stop from elsewhere: release the signal thread
    stopper.join();
    std::fprintf(stderr, "vivid serve: stopped\n");
}

void add_serve_command(CLI::App& app) {
    auto a = std::make_shared<ServeArgs>();
    CLI::App* cmd = app.add_subcommand("serve", "an HTTP service that classifies uploaded videos");
    cmd->add_option("--model", a->model_dir, "HF model folder (a classifier)")->required();
    cmd->add_option("--host", a->host, "address to listen on (default 127.0.0.1)");
    cmd->add_option("--port", a->port, "port (default 8080; 0: any free port, printed on stderr)")->check(CLI::Range(0, 65535));
    cmd->add_option("--max-upload-mb", a->max_upload_mb,
                    "largest upload, with a Content-Length or in chunks; larger ones get 413 (default 100)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--batch", a->batch, "waiting requests that share one forward (default 1)")->check(CLI::Range(1, 64));
    cmd->add_option("--queue", a->queue,
                    "uploads in flight (arriving, decoding or waiting for the model); more get 503 (default 16)")
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--timeout", a->read_timeout, "seconds a client may stay silent while sending or receiving (default 30)")
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--upload-timeout", a->upload_timeout,
                    "seconds a request may take to arrive, first byte to last; slower ones get 408 (default 300)")
        ->check(CLI::Range(1, 86400));
    add_video_options(*cmd, a->options);
    add_precision_option(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { serve(*a); });
}

const CommandRegistration registration(&add_serve_command);

}  // namespace
}  // namespace vivid::cli
