// greenshift serve [SCENARIO_DIR] [--port N] [--bind ADDR]: a local web page that
// runs a programme and its paired baseline on every change of a control
// (apps/serve_study.hpp) and draws the results with Debian's Chart.js. Loopback by
// default; another address only with an access token printed at start. Every
// request is bounded (body size, replicates, firms, firm-steps, concurrent studies)
// and answered with JSON, errors included. docs/serve.md describes the page and
// the API.
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <omp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "apps/serve_study.hpp"
#include "batch/expand.hpp"
#include "batch/runner.hpp"
#include "greenshift/version.hpp"
#include "io/batch_reader.hpp"
#include "io/input_error.hpp"
#include "io/memory_check.hpp"
#include "io/scenario_yaml.hpp"

namespace greenshift::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kMaxBody = 64 * 1024;     // a study request is a few hundred bytes
constexpr int kMaxJsonDepth = 16;                // the API nests 3 deep
constexpr std::size_t kKeptStudies = 16;         // studies whose downloads stay available
constexpr std::size_t kMaxClients = 4096;
constexpr std::size_t kRunCacheBytes = std::size_t{256} << 20;  // ~800 Morocco runs        // supersession records before they are forgotten
constexpr auto kSlotWait = std::chrono::seconds(20);  // a study waits this long for a free slot

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The page's files, found next to the executable (the build copies web/ there), else
// in the source tree; GREENSHIFT_WEB_DIR overrides both.
fs::path web_directory() {
    if (const char* env = std::getenv("GREENSHIFT_WEB_DIR"); env != nullptr && *env != '\0') return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && fs::exists(exe.parent_path() / "web" / "index.html", ec)) return exe.parent_path() / "web";
    return GREENSHIFT_WEB_SOURCE;
}

// Chart.js from Debian's libjs-chart.js (GREENSHIFT_CHARTJS_DIR overrides the folder).
std::string chartjs_source() {
    const char* env = std::getenv("GREENSHIFT_CHARTJS_DIR");
    const fs::path dir = env != nullptr && *env != '\0' ? fs::path(env) : fs::path("/usr/share/javascript/chart.js");
    std::error_code ec;
    for (const char* name : {"chart.umd.js", "chart.min.js", "chart.js", "Chart.min.js"})
        if (fs::is_regular_file(dir / name, ec)) return read_file(dir / name);
    throw std::runtime_error("Chart.js not found in " + dir.string() +
                             "; the page draws its charts with Debian's libjs-chart.js: apt-get install libjs-chart.js "
                             "(scripts/setup.sh installs it)");
}

bool is_loopback(const std::string& address) {
    return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

std::string random_token() {
    std::random_device device;  // /dev/urandom
    std::string t;
    for (int i = 0; i < 4; ++i) {
        char buf[9];
        std::snprintf(buf, sizeof buf, "%08x", device());
        t += buf;
    }
    return t;
}

bool same_token(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char d = 0;  // the time taken does not say how much matched
    for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
    return d == 0;
}

// Deepest nesting of arrays and objects in a JSON text (strings skipped), checked
// before parsing so that a body of 60,000 '[' is refused without recursion.
int json_depth(const std::string& s) {
    int depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message,
                const std::map<std::string, std::string>& fields = {}) {
    json body = {{"error", message}};
    if (!fields.empty()) body["fields"] = fields;
    send_json(res, status, body);
}

// httplib's thread pool with a bounded queue: when every worker is busy and the
// queue is full, accepting waits, and further connections wait in the kernel's
// backlog instead of in this process's memory.
class BoundedPool : public httplib::TaskQueue {
public:
    BoundedPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
        for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    void enqueue(std::function<void()> fn) override {
        std::unique_lock<std::mutex> lock(mutex_);
        room_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
        jobs_.push_back(std::move(fn));
        ready_.notify_one();
    }
    void shutdown() override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            shutdown_ = true;
        }
        ready_.notify_all();
        room_.notify_all();
        for (std::thread& t : workers_) t.join();
    }

private:
    void work() {
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
                if (jobs_.empty()) return;
                fn = std::move(jobs_.front());
                jobs_.pop_front();
                room_.notify_one();
            }
            fn();
        }
    }
    std::size_t max_queued_;
    std::vector<std::thread> workers_;
    std::deque<std::function<void()>> jobs_;
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    bool shutdown_ = false;
};

// httplib listens with a backlog of 5 connections: a burst of connections beyond the
// busy workers would see SYNs dropped and retried for seconds. Linux lets a socket
// that listens call listen() again with a longer queue.
class HttpServer : public httplib::Server {
public:
    void widen_backlog(int connections) { (void)::listen(svr_sock_, connections); }
};

// A computed study kept for its downloads.
struct Kept {
    std::string id;
    serve::StudyRequest request;
    serve::ScenarioEntry entry;
    serve::Study study;
    fs::path dir;          // where its batch file and report are written, on demand
    std::mutex files;      // one writer of those files at a time
};

class Server {
public:
    Server(const ServeArgs& args, std::string token)
        : args_(args), token_(std::move(token)), threads_(resolve_threads(args.threads)) {
        folder_ = fs::canonical(args.folder).string();
        scenarios_ = serve::list_scenarios(folder_);
        limits_.max_replicates = static_cast<std::uint32_t>(args.max_replicates);
        limits_.max_firms = args.max_firms;
        limits_.max_firm_steps = args.max_firm_steps;
        const fs::path web = web_directory();
        for (const auto& [route, file, type] :
             {std::tuple{"/", "index.html", "text/html; charset=utf-8"},
              std::tuple{"/app.js", "app.js", "text/javascript; charset=utf-8"},
              std::tuple{"/style.css", "style.css", "text/css; charset=utf-8"}})
            assets_[route] = {read_file(web / file), type};
        assets_["/lib/chart.js"] = {chartjs_source(), "text/javascript; charset=utf-8"};
        char tmpl[] = "/tmp/greenshift-serve-XXXXXX";
        if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
            scratch_ = fs::path(t) / "greenshift-serve-XXXXXX";
        } else {
            scratch_ = tmpl;
        }
        std::string s = scratch_.string();
        if (::mkdtemp(s.data()) == nullptr) throw OutputError("cannot create a scratch folder " + s);
        scratch_ = s;
    }
    ~Server() {
        std::error_code ec;
        fs::remove_all(scratch_, ec);
    }

    void routes(httplib::Server& http) {
        http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            return admit(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                   : httplib::Server::HandlerResponse::Handled;
        });
        http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            const std::string what = res.status == 404   ? "no such page or API route"
                                     : res.status == 413 ? "request body too large (at most 64 KiB)"
                                                         : "bad request";
            send_error(res, res.status, what);
            return httplib::Server::HandlerResponse::Handled;
        }));
        http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
            try {
                std::rethrow_exception(ep);
            } catch (const std::bad_alloc&) {
                send_error(res, 503, "out of memory");
            } catch (const std::exception& e) {
                send_error(res, 500, std::string("internal error: ") + e.what());
            }
        });
        for (const auto& [route, asset] : assets_) {
            const std::string path = route;
            http.Get(path, [this, path](const httplib::Request&, httplib::Response& res) {
                const Asset& a = assets_.at(path);
                res.set_header("Cache-Control", "no-cache");
                res.set_content(a.body, a.type);
            });
        }
        http.Get("/api/scenarios", [this](const httplib::Request&, httplib::Response& res) {
            json list = json::array();
            for (const serve::ScenarioEntry& e : scenarios())
                list.push_back({{"file", e.file}, {"name", e.name}, {"description", e.description},
                                {"firms", e.firms}, {"steps", e.steps}, {"error", e.error}});
            send_json(res, 200, {{"folder", folder_}, {"scenarios", list}, {"version", kVersion}});
        });
        http.Get("/api/scenario", [this](const httplib::Request& req, httplib::Response& res) {
            guarded(res, [&] {
                const auto entries = scenarios();
                const serve::ScenarioEntry& e = find_entry(entries, req.get_param_value("file"));
                send_json(res, 200, serve::describe_scenario(e, folder_, limits_));
            });
        });
        http.Post("/api/study", [this](const httplib::Request& req, httplib::Response& res) {
            guarded(res, [&] { study(req, res); });
        });
        http.Get(R"(/api/download/([0-9a-f]{16})/([a-z0-9.-]{1,32}))",
                 [this](const httplib::Request& req, httplib::Response& res) {
                     guarded(res, [&] { download(req.matches[1], req.matches[2], res); });
                 });
    }

private:
    struct Asset {
        std::string body, type;
    };

    // Host and token checks before any route. On loopback the Host header must name
    // the loopback (a page of another site cannot reach the server through a name
    // that resolves to 127.0.0.1); elsewhere every request carries the token.
    bool admit(const httplib::Request& req, httplib::Response& res) {
        if (token_.empty()) {
            const std::string host = req.get_header_value("Host");
            const std::string name = host.rfind('[', 0) == 0 ? host.substr(0, host.find(']') + 1)
                                                             : host.substr(0, host.rfind(':'));
            if (name != "localhost" && name != "127.0.0.1" && name != "[::1]" && name.rfind("127.", 0) != 0) {
                send_error(res, 403, "the server answers only requests addressed to the loopback (Host: " + host + ")");
                return false;
            }
            return true;
        }
        // The page's own files and downloads come without the header: the token is
        // also taken from ?token= and from the cookie set when the page was opened.
        const std::string cookie = "greenshift_token=" + token_;
        const std::string given = req.has_header("X-Greenshift-Token") ? req.get_header_value("X-Greenshift-Token")
                                                                        : req.get_param_value("token");
        const bool by_cookie = req.get_header_value("Cookie").find(cookie) != std::string::npos;
        if (!same_token(given, token_) && !by_cookie) {
            send_error(res, 401, "missing or wrong access token (printed by greenshift serve at start)");
            return false;
        }
        if (!by_cookie) res.set_header("Set-Cookie", cookie + "; Path=/; HttpOnly; SameSite=Strict");
        return true;
    }

    template <class F>
    void guarded(httplib::Response& res, F&& f) {
        try {
            f();
        } catch (const serve::RequestError& e) {
            send_error(res, e.status, e.what(), e.fields);
        } catch (const serve::Cancelled& e) {
            send_json(res, 409, {{"error", e.what()}, {"superseded", true}});
        } catch (const InputError& e) {
            send_error(res, 422, e.what());
        } catch (const OutputError& e) {
            send_error(res, 500, e.what());
        } catch (const std::bad_alloc&) {
            send_error(res, 503, "out of memory");
        }
    }

    // The folder's scenarios, listed again when the last listing is older than 2 s:
    // files added or fixed while the server runs appear, and a flood of requests
    // does not read the folder each time.
    std::vector<serve::ScenarioEntry> scenarios() {
        std::lock_guard<std::mutex> lock(scenarios_mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (now - listed_ > std::chrono::seconds(2)) {
            scenarios_ = serve::list_scenarios(folder_);
            listed_ = now;
        }
        return scenarios_;
    }

    static const serve::ScenarioEntry& find_entry(const std::vector<serve::ScenarioEntry>& entries,
                                                  const std::string& file) {
        for (const serve::ScenarioEntry& e : entries)
            if (e.file == file) return e;
        throw serve::RequestError("no scenario '" + file + "' in the served folder", 404);
    }

    // Supersession: the newest sequence number each page has sent.
    bool superseded(const std::string& client, std::uint64_t seq) {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        const auto it = latest_.find(client);
        return it != latest_.end() && it->second > seq;
    }
    void announce(const std::string& client, std::uint64_t seq) {
        std::lock_guard<std::mutex> lock(clients_mutex_);
        if (latest_.size() >= kMaxClients && latest_.count(client) == 0) latest_.clear();
        std::uint64_t& s = latest_[client];
        s = std::max(s, seq);
    }

    // A slot among --max-studies; waits while the request is still the newest.
    class Slot {
    public:
        Slot(Server& s, const std::function<bool()>& cancelled) : s_(s) {
            std::unique_lock<std::mutex> lock(s_.slots_mutex_);
            const auto until = std::chrono::steady_clock::now() + kSlotWait;
            while (s_.busy_ >= s_.args_.max_studies) {
                if (cancelled()) throw serve::Cancelled();
                if (std::chrono::steady_clock::now() > until)
                    throw serve::RequestError("the server is busy with other studies; try again", 503);
                s_.slot_free_.wait_for(lock, std::chrono::milliseconds(50));
            }
            ++s_.busy_;
        }
        ~Slot() {
            {
                std::lock_guard<std::mutex> lock(s_.slots_mutex_);
                --s_.busy_;
            }
            s_.slot_free_.notify_all();
        }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

    private:
        Server& s_;
    };

    serve::Limits request_limits() const {
        serve::Limits l = limits_;
        // Every thread of every study may hold a run at once.
        const std::uint64_t available = available_memory_bytes();
        const std::uint64_t runs = static_cast<std::uint64_t>(threads_) * static_cast<std::uint64_t>(args_.max_studies);
        l.max_memory_bytes = available > 0 ? std::max<std::uint64_t>(1, available / runs)
                                           : std::numeric_limits<std::uint64_t>::max();
        return l;
    }

    void study(const httplib::Request& req, httplib::Response& res) {
        if (json_depth(req.body) > kMaxJsonDepth) throw serve::RequestError("JSON nested too deeply", 400);
        json body;
        try {
            body = json::parse(req.body);
        } catch (const json::exception& e) {
            throw serve::RequestError(std::string("malformed JSON: ") + e.what(), 400);
        }
        std::string client;
        std::uint64_t seq = 0;
        if (body.is_object() && body.contains("client")) {
            const json& c = body["client"];
            if (!c.is_string() || c.get<std::string>().empty() || c.get<std::string>().size() > 64 ||
                c.get<std::string>().find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                    std::string::npos)
                throw serve::RequestError("'client' must be 1 to 64 letters, digits, '_' or '-'", 400);
            client = c.get<std::string>();
            if (!body.contains("seq") || !body["seq"].is_number_unsigned())
                throw serve::RequestError("'seq' must be a non-negative integer when 'client' is given", 400);
            seq = body["seq"].get<std::uint64_t>();
        }
        std::function<bool()> cancelled = [] { return false; };
        if (!client.empty()) {
            announce(client, seq);
            cancelled = [this, client, seq] { return superseded(client, seq); };
            if (cancelled()) throw serve::Cancelled();
        }
        const auto entries = scenarios();
        const serve::Limits limits = request_limits();
        serve::StudyRequest request = serve::parse_study_request(body, entries, folder_, limits);
        const serve::ScenarioEntry& entry = find_entry(entries, request.scenario);
        auto kept = std::make_shared<Kept>();
        {
            Slot slot(*this, cancelled);
            kept->study = serve::compute_study(request, entry, limits, threads_, cancelled, &runs_);
        }
        kept->id = random_token().substr(0, 16);
        kept->request = std::move(request);
        kept->entry = entry;
        kept->dir = scratch_ / kept->id;
        json out = kept->study.result;
        out["id"] = kept->id;
        out["seq"] = seq;
        out["batch_yaml"] = serve::batch_yaml(kept->request, entry);
        out["set_lines"] = serve::set_lines(kept->request, entry);
        {
            std::lock_guard<std::mutex> lock(kept_mutex_);
            kept_.push_back(kept);
            while (kept_.size() > kKeptStudies) {
                std::error_code ec;
                fs::remove_all(kept_.front()->dir, ec);
                kept_.pop_front();
            }
        }
        send_json(res, 200, out);
    }

    std::shared_ptr<Kept> find_kept(const std::string& id) {
        std::lock_guard<std::mutex> lock(kept_mutex_);
        for (const auto& k : kept_)
            if (k->id == id) return k;
        throw serve::RequestError("no study '" + id + "' (the server keeps the last " + std::to_string(kKeptStudies) +
                                      "); change a control to compute it again",
                                  404);
    }

    // The batch file of a study, written with `greenshift batch`'s own runner.
    fs::path batch_file(Kept& k) {
        const fs::path out = k.dir / "serve-batch.h5";
        std::error_code ec;
        if (fs::exists(out, ec)) return out;
        fs::create_directories(k.dir, ec);
        BatchOptions o;
        o.output = out.string();
        o.threads = threads_;
        o.force = true;
        o.command_line = "greenshift batch serve-batch.yaml -o serve-batch.h5 (written by greenshift serve)";
        const BatchPlan& plan = k.study.plan;
        const std::uint64_t mem = request_limits().max_memory_bytes;
        (void)run_batch(plan, [&](const RunSpec& run) { return scenario_for_run(plan, run, mem); }, o);
        return out;
    }

    void attach(httplib::Response& res, const std::string& body, const std::string& type, const std::string& name) {
        res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
        res.set_content(body, type);
    }

    void download(const std::string& id, const std::string& kind, httplib::Response& res) {
        const std::shared_ptr<Kept> k = find_kept(id);
        const std::string stem = fs::path(k->entry.file).stem().string();
        if (kind == "programme.yaml") return attach(res, to_yaml(k->study.programme), "application/yaml", stem + "-programme.yaml");
        if (kind == "baseline.yaml") return attach(res, to_yaml(k->study.baseline), "application/yaml", stem + "-baseline.yaml");
        if (kind == "batch.yaml")
            return attach(res, serve::batch_yaml(k->request, k->entry), "application/yaml", "serve-batch.yaml");
        if (kind == "set-lines.txt")
            return attach(res, serve::set_lines(k->request, k->entry), "text/plain; charset=utf-8", stem + "-commands.txt");
        if (kind != "batch.h5" && kind != "summary.csv" && kind != "report.html")
            throw serve::RequestError("no download '" + kind +
                                          "'; allowed: programme.yaml, baseline.yaml, batch.yaml, set-lines.txt, "
                                          "batch.h5, summary.csv, report.html",
                                      404);
        Slot slot(*this, [] { return false; });
        std::lock_guard<std::mutex> lock(k->files);
        const fs::path h5 = batch_file(*k);
        if (kind == "batch.h5") return attach(res, read_file(h5), "application/x-hdf5", "serve-batch.h5");
        if (kind == "summary.csv") {
            std::ostringstream csv;
            write_summary_csv(read_summary(h5.string()), csv);
            return attach(res, csv.str(), "text/csv; charset=utf-8", "serve-summary.csv");
        }
        const fs::path html = k->dir / "report.html";
        std::error_code ec;
        if (!fs::exists(html, ec)) {
            const int rc = run_figure_script("report", h5.string(), html.string(), true);
            if (rc != 0)
                throw serve::RequestError("the report could not be written (greenshift report exited with " +
                                              std::to_string(rc) + "; it needs python3-matplotlib and python3-h5py)",
                                          500);
        }
        attach(res, read_file(html), "text/html; charset=utf-8", "serve-report.html");
    }

    const ServeArgs& args_;
    std::string token_;
    int threads_;
    std::string folder_;
    serve::Limits limits_;
    std::map<std::string, Asset> assets_;
    fs::path scratch_;
    std::mutex scenarios_mutex_;
    std::vector<serve::ScenarioEntry> scenarios_;
    std::chrono::steady_clock::time_point listed_ = std::chrono::steady_clock::now();
    std::mutex clients_mutex_;
    std::map<std::string, std::uint64_t> latest_;
    std::mutex slots_mutex_;
    std::condition_variable slot_free_;
    int busy_ = 0;
    serve::RunCache runs_{kRunCacheBytes};
    std::mutex kept_mutex_;
    std::deque<std::shared_ptr<Kept>> kept_;
};

}  // namespace

CLI::App* add_serve_command(CLI::App& app, ServeArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "serve", "Explore a programme in the browser: change a control, see its effects against the paired baseline");
    cmd->add_option("folder", a.folder, "Folder of scenario files (default: scenarios)");
    cmd->add_option("--port", a.port, "TCP port (default 8080; 0: any free port)")->check(CLI::Range(0, 65535));
    cmd->add_option("--bind", a.bind,
                    "Address to listen on (default 127.0.0.1); any other than the loopback needs the access token "
                    "printed at start");
    cmd->add_option("--threads", a.threads, "Threads per study (default: OMP_NUM_THREADS or all cores)")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--max-replicates", a.max_replicates, "Most replicates a request may ask for")
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--max-firms", a.max_firms, "Most firms per run")->check(CLI::Range(1.0, 1e12));
    cmd->add_option("--max-firm-steps", a.max_firm_steps, "Most firm-steps over the runs of one request")
        ->check(CLI::Range(1.0, 1e15));
    cmd->add_option("--max-studies", a.max_studies, "Studies computed at once; more wait")->check(CLI::Range(1, 64));
    return cmd;
}

int run_serve_command(const ServeArgs& a, const std::atomic<int>& stop) {
    std::error_code ec;
    if (!fs::is_directory(a.folder, ec)) throw InputError(a.folder, 0, 0, "not a folder of scenario files");
    std::string token;
    if (!is_loopback(a.bind)) token = random_token();
    std::unique_ptr<Server> server;
    try {
        server = std::make_unique<Server>(a, token);
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const InputError*>(&e) != nullptr || dynamic_cast<const OutputError*>(&e) != nullptr) throw;
        std::cerr << "greenshift: error: serve: " << e.what() << "\n";
        return exit_code::internal_error;
    }
    HttpServer http;
    http.new_task_queue = [] { return new BoundedPool(16, 256); };
    http.set_payload_max_length(kMaxBody);
    http.set_read_timeout(5, 0);
    http.set_write_timeout(30, 0);
    http.set_keep_alive_max_count(100);
    http.set_tcp_nodelay(true);
    // httplib's default is SO_REUSEPORT, with which a second server on the same port
    // starts without a word and takes half the connections; SO_REUSEADDR only lets a
    // restarted server take its port back at once.
    http.set_socket_options([](socket_t sock) {
        int yes = 1;
        (void)::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });  // headers and body are separate writes: no 40 ms Nagle/delayed-ACK stall
    server->routes(http);
    const int port = a.port == 0 ? http.bind_to_any_port(a.bind) : (http.bind_to_port(a.bind, a.port) ? a.port : -1);
    if (port < 0) {
        std::cerr << "greenshift: error: serve: cannot listen on " << a.bind << ":" << a.port
                  << " (in use, or not an address of this machine); choose another with --port or --bind\n";
        return exit_code::usage;
    }
    http.widen_backlog(1024);
    const std::string host = a.bind.find(':') != std::string::npos ? "[" + a.bind + "]" : a.bind;
    std::cout << "greenshift serve: http://" << host << ":" << port << "/" << (token.empty() ? "" : "?token=" + token)
              << "\n";
    if (!token.empty())
        std::cout << "greenshift serve: listening on " << a.bind
                  << ", not the loopback: every request needs the token above (query ?token= or header "
                     "X-Greenshift-Token)\n";
    std::cout << "greenshift serve: scenarios from " << fs::canonical(a.folder).string() << "; Ctrl-C stops\n"
              << std::flush;
    std::atomic<bool> ended{false};
    std::thread watcher([&] {
        while (stop.load() == 0 && !ended.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        http.stop();
    });
    http.listen_after_bind();
    ended.store(true);
    watcher.join();
    std::cerr << "greenshift serve: stopped" << (stop.load() != 0 ? " by signal " + std::to_string(stop.load()) : "")
              << "\n";
    return exit_code::ok;
}

}  // namespace greenshift::cli
