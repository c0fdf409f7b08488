// vivid serve: an HTTP service that classifies uploaded videos, one more client of the library
// (cpp-httplib from Debian). Uploads are decoded and preprocessed on the HTTP threads while the
// model works on earlier ones; one forward runs at a time (up to --batch waiting requests share
// it); a full queue answers 503. SIGTERM or SIGINT: stop accepting, finish what is in flight,
// exit 0. One log line per request on stderr.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "command.h"
#include "model_description.h"
#include "serve_metrics.h"

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
            nlohmann::json labels = nlohmann::json::array();
            for (const Prediction& p : model_.top_labels(logits[i], j.top_k))
                labels.push_back({{"label", p.label}, {"score", p.score}});
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

// The upload in a private temporary file, removed when this goes.
class UploadFile {
public:
    explicit UploadFile(const std::string& bytes) {
        const std::string dir = std::filesystem::temp_directory_path().string();
        std::string pattern = dir + "/vivid-upload-XXXXXX";
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) throw Error(dir, "cannot create a temporary file for the upload");
        path_ = pattern;
        const char* p = bytes.data();
        std::size_t left = bytes.size();
        while (left > 0) {
            const ssize_t n = ::write(fd, p, left);
            if (n <= 0) {
                ::close(fd);
                throw Error(path_, "cannot write the upload");
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        ::close(fd);
    }
    ~UploadFile() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string endpoint_of(const std::string& path) {
    for (const char* known : {"/v1/classify", "/v1/model", "/healthz", "/metrics"})
        if (path == known) return known;
    return "other";
}

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

thread_local Clock::time_point request_start;

void serve(const ServeArgs& a) {
    // Signals go to one thread that stops the server: every thread started below inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Model model = Model::load(a.model_dir, a.options);
    if (model.info().pretraining) throw Error(a.model_dir, "is a pre-training model; the service classifies");
    Options decode_options = model.options();
    if (decode_options.preprocessor_config.empty())
        decode_options.preprocessor_config = (std::filesystem::path(a.model_dir) / "preprocessor_config.json").string();
    const nlohmann::json description = describe_model(model, a.model_dir);
    ServeMetrics metrics;
    ModelWorker worker(model, a.batch, metrics);

    httplib::Server server;
    server.set_payload_max_length(static_cast<std::size_t>(a.max_upload_mb) << 20);  // 413 before the body is read
    server.set_read_timeout(a.read_timeout, 0);
    server.set_write_timeout(a.read_timeout, 0);
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
        request_start = Clock::now();
        return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
        const double ms = ms_since(request_start);
        metrics.request(endpoint_of(req.path), res.status, ms / 1000);
        std::fprintf(stderr, "%s %s %d %.1f ms\n", req.method.c_str(), req.path.c_str(), res.status, ms);
    });
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return;
        const char* what = res.status == 404 ? "no such path" : res.status == 413 ? "the upload is over the limit"
                                                                               : "bad request";
        json_reply(res, res.status, {{"error", what}});
    });

    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
    server.Get("/v1/model", [&](const httplib::Request&, httplib::Response& res) { json_reply(res, 200, description); });
    server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics.text(), "text/plain; version=0.0.4");
    });
    server.Post("/v1/classify", [&](const httplib::Request& req, httplib::Response& res) {
        metrics.in_flight++;
        struct Leave {
            ServeMetrics& m;
            ~Leave() { m.in_flight--; }
        } leave{metrics};
        if (metrics.in_flight > a.queue) {
            res.set_header("Retry-After", "1");
            return json_reply(res, 503, {{"error", "the queue is full (" + std::to_string(a.queue) + " videos)"}});
        }
        int top_k = 5;
        if (req.has_param("top_k")) {
            try {
                top_k = std::stoi(req.get_param_value("top_k"));
            } catch (const std::exception&) {
                top_k = 0;
            }
            if (top_k < 1) return json_reply(res, 400, {{"error", "top_k must be a positive integer"}});
        }
        const std::string& bytes = req.is_multipart_form_data() ? req.get_file_value("video").content : req.body;
        if (bytes.empty())
            return json_reply(res, 400, {{"error", "no video: send its bytes as the body or a multipart field 'video'"}});
        auto job = std::make_unique<Job>();
        job->top_k = top_k;
        const auto start = Clock::now();
        try {
            const UploadFile upload(bytes);
            job->pixel_values = preprocess_video(upload.path(), model.info().frames, decode_options).pixel_values;
        } catch (const Error& e) {
            return json_reply(res, 422, {{"error", std::string("the upload: ") + e.problem()}});
        }
        job->decode_ms = ms_since(start);
        const Answer answer = worker.submit(std::move(job)).get();
        json_reply(res, answer.status, answer.body);
    });
    auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
        json_reply(res, 405, {{"error", "method not allowed"}});
    };
    for (const char* path : {"/healthz", "/v1/model", "/metrics", "/v1/classify"}) {
        if (std::string(path) != "/v1/classify") server.Post(path, not_allowed);
        server.Put(path, not_allowed);
        server.Delete(path, not_allowed);
        server.Patch(path, not_allowed);
    }
    server.Get("/v1/classify", [](const httplib::Request&, httplib::Response& res) {
        json_reply(res, 405, {{"error", "POST the video's bytes to /v1/classify"}});
    });

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
    cmd->add_option("--max-upload-mb", a->max_upload_mb, "largest upload; larger ones get 413 (default 100)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--batch", a->batch, "waiting requests that share one forward (default 1)")->check(CLI::Range(1, 64));
    cmd->add_option("--queue", a->queue, "requests in flight before 503 (default 16)")->check(CLI::Range(1, 4096));
    cmd->add_option("--timeout", a->read_timeout, "seconds a client may take to send or receive (default 30)")
        ->check(CLI::Range(1, 3600));
    add_video_options(*cmd, a->options);
    add_precision_option(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { serve(*a); });
}

const CommandRegistration registration(&add_serve_command);

}  // namespace
}  // namespace vivid::cli
