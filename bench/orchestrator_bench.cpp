// The orchestrator benchmarks: signed Gitea deliveries against `forgebot orchestrate serve`, and
// runs dispatched through the fake forge whose signal_done is timed until the store says frozen.
#include "orchestrator_bench.hpp"

#include "bench_support.hpp"
#include "load.hpp"
#include "util/hmac.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sqlite3.h>
#include <string>
#include <thread>
#include <vector>

namespace forgebot::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double k_webhook_target = 2'000.0;
constexpr double k_done_p50_target_ms = 50.0;
constexpr int k_webhook_clients = 8;
constexpr const char* k_secret = "bench-webhook-secret";
constexpr const char* k_token = "bench-forge-token";
constexpr const char* k_agent = "benchdone";
/// The Gitea issue payload read from the peers directory when it is there.
constexpr const char* k_peer_payload = "gitea/webhooks/go-scm-gitea/issues_opened.json";

/// An `issues` delivery of the same shape as the peer sample (Gitea's issue, repository and
/// sender objects), for when ../shared/peers is absent.
constexpr const char* k_builtin_payload = R"({
  "action": "opened",
  "number": 1,
  "issue": {
    "id": 47, "number": 1,
    "user": {"id": 1, "login": "ann", "full_name": "", "email": "ann@example.com",
             "avatar_url": "https://git.example.com/avatars/1", "username": "ann"},
    "title": "Problem", "body": "Found a bug", "labels": [], "milestone": null,
    "assignee": null, "state": "open", "comments": 0,
    "created_at": "2017-12-09T01:30:43Z", "updated_at": "2017-12-09T01:30:43Z",
    "pull_request": null
  },
  "repository": {
    "id": 61,
    "owner": {"id": 25, "login": "acme", "full_name": "", "email": "",
              "avatar_url": "https://git.example.com/avatars/25", "username": "acme"},
    "name": "api", "full_name": "acme/api", "description": "", "private": true,
    "fork": false, "parent": null, "empty": false, "mirror": false, "size": 36864,
    "html_url": "https://git.example.com/acme/api",
    "ssh_url": "git@git.example.com:acme/api.git",
    "clone_url": "https://git.example.com/acme/api.git", "website": "",
    "stars_count": 0, "forks_count": 0, "watchers_count": 2, "open_issues_count": 0,
    "default_branch": "main",
    "created_at": "2017-12-09T01:30:43Z", "updated_at": "2017-12-09T01:39:10Z"
  },
  "sender": {"id": 1, "login": "ann", "full_name": "", "email": "ann@example.com",
             "avatar_url": "https://git.example.com/avatars/1", "username": "ann"}
}
)";

/// A read connection to a forgebot database, for checking what the orchestrator stored.
class Store {
public:
    explicit Store(const fs::path& file) {
        if (sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
            sqlite3_close(m_db);
            fail("cannot open " + file.string() + ": " + why);
        }
        sqlite3_busy_timeout(m_db, 5000);
    }
    ~Store() { sqlite3_close(m_db); }
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// Runs `sql` with `bind` binding its parameters; `row` is called for each result row.
    template <class Bind, class Row> void query(const char* sql, Bind bind, Row row) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(m_db, sql, -1, &statement, nullptr) != SQLITE_OK) {
            fail(std::string("cannot prepare ") + sql + ": " + sqlite3_errmsg(m_db));
        }
        bind(statement);
        int rc = 0;
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
            row(statement);
        }
        sqlite3_finalize(statement);
        if (rc != SQLITE_DONE) {
            fail(std::string("cannot read: ") + sqlite3_errmsg(m_db));
        }
    }

private:
    sqlite3* m_db = nullptr;
};

std::string column_text(sqlite3_stmt* statement, int column) {
    const auto* text = sqlite3_column_text(statement, column);
    return text ? reinterpret_cast<const char*>(text) : "";
}

void write_private(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
}

/// The peers directory (FORGEBOT_PEERS_DIR, else ../shared/peers next to the source tree).
fs::path peers_dir() {
    if (const char* env = std::getenv("FORGEBOT_PEERS_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return FORGEBOT_PEERS_DIR;
}

/// A delivery id shaped like Gitea's (a UUID), unique per `run` and `n`.
std::string delivery_id(std::uint32_t run, std::uint64_t n) {
    char id[40];
    std::snprintf(id, sizeof id, "%08" PRIx32 "-0000-4000-8000-%012" PRIx64, run, n);
    return id;
}

/// The bytes of a signed Gitea delivery of `event` with `body` to /webhook/FORGE, with the
/// headers Gitea sends (it signs for Gitea, Gogs and GitHub receivers alike).
std::string gitea_delivery(std::uint16_t port, const std::string& forge, const std::string& event,
                           const std::string& id, const std::string& body,
                           const std::string& signature) {
    std::string request = "POST /webhook/" + forge +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nUser-Agent: Go-http-client/1.1\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n";
    for (const char* vendor : {"GitHub", "Gitea", "Gogs"}) {
        request += std::string("X-") + vendor + "-Delivery: " + id + "\r\nX-" + vendor +
                   "-Event: " + event + "\r\nX-" + vendor + "-Event-Type: " + event + "\r\n";
    }
    request += "X-Gitea-Signature: " + signature + "\r\nX-Gogs-Signature: " + signature +
               "\r\nX-Hub-Signature-256: sha256=" + signature + "\r\n\r\n" + body;
    return request;
}

/// The environment of forgebot children in `dir`: its own FORGEBOT_HOME, configuration and
/// HOME, and git without the machine's configuration.
std::vector<std::string> world_env(const fs::path& dir) {
    return {"FORGEBOT_HOME=" + (dir / "home").string(),
            "XDG_CONFIG_HOME=" + (dir / "config").string(), "HOME=" + (dir / "user").string(),
            "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"};
}

/// The configuration file of `dir` with `top` (top-level keys) and one Gitea forge `name`.
fs::path write_config(const fs::path& dir, const std::string& top, const std::string& name,
                      const std::string& api_url) {
    const fs::path config = dir / "config" / "forgebot";
    write_private(config / "secret", std::string(k_secret) + "\n");
    write_private(config / "token", std::string(k_token) + "\n");
    fs::create_directories(dir / "user");
    const fs::path file = config / "config.toml";
    std::ofstream(file) << top << "\n[[forges]]\nname = \"" << name
                        << "\"\nkind = \"gitea\"\napi_url = \"" << api_url
                        << "\"\ntoken_file = \"token\"\nwebhook_secret_file = \"secret\"\n";
    return file;
}

/// `forgebot orchestrate serve` for the world in `dir` on `port`.
std::vector<std::string> serve_argv(const std::string& forgebot, const fs::path& config,
                                    std::uint16_t port, const std::string& log_level) {
    return {forgebot,
            "orchestrate",
            "serve",
            "--config",
            config.string(),
            "--listen",
            "127.0.0.1:" + std::to_string(port),
            "--log-level",
            log_level};
}

/// When the sidecar queued the (first) done event in `queue`: its Maildir name starts with
/// the time in microseconds since the epoch (sidecar/queue.cpp).
std::optional<std::chrono::system_clock::time_point> queued_at(const fs::path& queue) {
    std::error_code ec;
    for (const char* sub : {"cur", "new"}) {
        for (const auto& entry : fs::directory_iterator(queue / sub, ec)) {
            const std::string name = entry.path().filename().string();
            return std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                    std::chrono::microseconds(std::strtoll(name.c_str(), nullptr, 10))));
        }
    }
    return std::nullopt;
}

/// `seconds` per item, in microseconds; 0 for no items.
double per(double seconds, std::size_t items) {
    return items == 0 ? 0.0 : seconds * 1e6 / static_cast<double>(items);
}

void title(const std::string& what, const std::string& detail) {
    std::printf("forgebot orchestrator benchmark: %s: %u CPUs (%s)\n%s\n\n", what.c_str(),
                std::thread::hardware_concurrency(), cpu_model().c_str(), detail.c_str());
}

/// One figure with no floor to compare it with.
void figure(const std::string& label, const std::string& value) {
    std::printf("  %-36s %12s\n", label.c_str(), value.c_str());
}

bool print_targets(const std::vector<std::pair<bool, std::string>>& targets) {
    std::printf("\ntargets\n");
    bool all = true;
    for (const auto& [pass, text] : targets) {
        std::printf("  %s  %s\n", pass ? "PASS" : "FAIL", text.c_str());
        all = all && pass;
    }
    return all;
}

} // namespace

bool run_webhook_bench(const OrchestratorBenchOptions& options) {
    const fs::path dir = options.dir / "webhook";
    std::string payload_name = "a built-in issues payload (../shared/peers is absent)";
    std::string body = k_builtin_payload;
    if (const fs::path peer = peers_dir() / k_peer_payload; fs::exists(peer)) {
        body = read_text(peer);
        payload_name = fs::path(k_peer_payload).filename().string() + " from ../shared/peers";
    }
    // Rationale: with the kill switch on, every delivery is verified, stored and processed by
    // the loop, and none dispatches or writes to a forge, so this measures accepting.
    const fs::path config =
        write_config(dir, "kill_switch = true", "bench", "http://127.0.0.1:9/api/v1");
    const std::uint16_t port = free_port();
    Server serve("forgebot orchestrate serve", serve_argv(options.forgebot, config, port, "warn"),
                 world_env(dir), dir / "serve.log", Endpoint(port));

    const std::string signature = util::hmac_sha256_hex(k_secret, body);
    const auto run = static_cast<std::uint32_t>(
        std::chrono::system_clock::now().time_since_epoch().count() & 0xffffffff);
    Load load;
    load.expect = "\"duplicate\":false";
    load.status = 202;
    load.clients = k_webhook_clients;
    load.warmup = options.warmup;
    load.seconds = options.seconds;
    load.keep_good = true;
    load.request = [&](std::uint64_t n) {
        return gitea_delivery(port, "bench", "issues", delivery_id(run, n), body, signature);
    };
    // The orchestrator's main thread runs the loop; the other serves HTTP.
    const double all_before = cpu_seconds_of(serve.pid());
    const double loop_before = cpu_seconds_of(serve.pid(), serve.pid());
    const Result result = run_load(port, load);
    const double loop_cpu = cpu_seconds_of(serve.pid(), serve.pid()) - loop_before;
    const double http_cpu = cpu_seconds_of(serve.pid()) - all_before - loop_cpu;
    const Memory memory = memory_of(serve.pid());
    // Rationale: a crash, not a stop: what was answered 202 must be in the file already.
    serve.kill();

    std::set<std::string> stored;
    std::uint64_t processed = 0;
    {
        Store db(dir / "home" / "forgebot.db");
        db.query(
            "SELECT delivery_id, processed_at IS NOT NULL FROM inbox WHERE forge = 'bench'",
            [](sqlite3_stmt*) {},
            [&](sqlite3_stmt* row) {
                stored.insert(column_text(row, 0));
                processed += static_cast<std::uint64_t>(sqlite3_column_int(row, 1));
            });
    }
    std::uint64_t lost = 0;
    std::string first_lost;
    for (const auto n : result.good) {
        if (!stored.contains(delivery_id(run, n))) {
            if (lost++ == 0) {
                first_lost = delivery_id(run, n);
            }
        }
    }

    title("webhooks",
          "signed Gitea `issues` deliveries (" + payload_name + ", " + std::to_string(body.size()) +
              " bytes, a new X-Gitea-Delivery each) on " + std::to_string(k_webhook_clients) +
              " keep-alive connections; the kill switch on; " + fixed(options.seconds, 1) +
              " s after " + fixed(options.warmup, 1) + " s warm-up");
    std::printf("  %-36s %12s\n", "", "forgebot");
    std::printf("POST /webhook/NAME, %d connections\n", k_webhook_clients);
    figure("accepted (202) per second", fixed(result.requests_per_second, 0));
    figure("latency p50 (us)", fixed(result.p50_us, 1));
    figure("latency p99 (us)", fixed(result.p99_us, 1));
    figure("peak RSS (MiB)", fixed(memory.hwm / 1024.0, 1));
    std::printf("after SIGKILL of the orchestrator\n");
    figure("answered 202, warm-up included", std::to_string(result.good.size()));
    figure("in the inbox table", std::to_string(stored.size()));
    figure("of those, processed by the loop", std::to_string(processed));
    std::printf("CPU time (us)\n");
    figure("HTTP thread, per delivery answered", fixed(per(http_cpu, result.good.size()), 1));
    figure("the loop, per delivery processed", fixed(per(loop_cpu, processed), 1));
    if (result.errors > 0) {
        std::printf("  %llu bad answers; the first: %s\n",
                    static_cast<unsigned long long>(result.errors), result.first_error.c_str());
    }
    return print_targets({
        {result.requests_per_second >= k_webhook_target,
         "webhook deliveries, 8 connections, at least 2000/s accepted and stored: " +
             fixed(result.requests_per_second, 0) + "/s"},
        {lost == 0 && !result.good.empty(),
         "none lost: every delivery answered 202 is in the inbox after SIGKILL: " +
             std::to_string(result.good.size() - lost) + " of " +
             std::to_string(result.good.size()) +
             (lost > 0 ? " (the first missing: " + first_lost + ")" : std::string())},
        {result.errors == 0, "every answer 202: " + std::to_string(result.errors) + " bad"},
    });
}

bool run_done_bench(const OrchestratorBenchOptions& options) {
    const fs::path dir = options.dir / "done";
    const int issues = options.runs + 1;
    const fs::path url_file = dir / "forge.url";
    fs::create_directories(dir);
    Server forge("the fake forge",
                 {options.fake_forge, "--url-file", url_file.string(), "--git",
                  (dir / "forge.git").string(), "--token", k_token, "--issues",
                  std::to_string(issues), "--label", std::string("forgebot:") + k_agent, "--member",
                  "forgebot:ann", "--user", "forgebot-bot"},
                 {}, dir / "forge.log", [&url_file] { return fs::exists(url_file); });
    std::string api_url = read_text(url_file);
    api_url = api_url.substr(0, api_url.find('\n'));

    const fs::path config =
        write_config(dir,
                     "org = \"forgebot\"\nallowlist = [\"o/r\"]\nkill_switch = false\n"
                     "max_concurrent = 2",
                     "local", api_url);
    // Rationale: the process backend, so that the benchmark runs where bubblewrap cannot; the
    // path from signal_done to frozen (sidecar, queue, orchestrator) is the same under bwrap.
    fs::create_directories(dir / "config" / "forgebot" / "bottles");
    fs::create_directories(dir / "config" / "forgebot" / "agents");
    std::ofstream(dir / "config" / "forgebot" / "bottles" / "bench.toml")
        << "backend = \"process\"\n";
    std::ofstream(dir / "config" / "forgebot" / "agents" / (std::string(k_agent) + ".toml"))
        << "# Records the time, in ns since the epoch, just before it signals done.\n"
           "provider = \"command\"\nbottle = \"bench\"\n"
           "command = [\"sh\", \"-c\", 'date +%s%N >\"$HOME/signal-at\" && exec forgebot call "
           "signal_done status=success summary=bench', \"benchdone\", \"{prompt}\"]\n";
    const std::uint16_t port = free_port();
    Server serve("forgebot orchestrate serve", serve_argv(options.forgebot, config, port, "info"),
                 world_env(dir), dir / "serve.log", Endpoint(port));

    std::fprintf(stderr, "forgebot_bench: %d runs through orchestrate serve and the fake forge\n",
                 issues);
    Store db(dir / "home" / "forgebot.db");
    std::vector<double> latencies;  ///< signal_done to frozen, ms
    std::vector<double> dispatches; ///< delivery to signal_done, ms
    std::vector<double> to_sidecar; ///< signal_done to the sidecar queueing it, ms
    std::vector<double> to_frozen;  ///< the sidecar queueing it to frozen, ms
    int by_signal = 0;
    std::string first_problem;
    for (int issue = 1; issue <= issues; ++issue) {
        const std::string body =
            R"({"action":"opened","number":)" + std::to_string(issue) + R"(,"issue":{"id":)" +
            std::to_string(1000 + issue) + R"(,"number":)" + std::to_string(issue) +
            R"(,"title":"Bench issue","body":"","state":"open","labels":[{"id":1,"name":"forgebot:)" +
            k_agent + R"("}],"assignees":[{"id":7,"login":"ann","username":"ann"}],)" +
            R"("pull_request":null},"repository":{"id":1,"name":"r","full_name":"o/r",)" +
            R"("owner":{"id":2,"login":"o","username":"o"}},"sender":{"login":"ann"}})";
        const auto delivered = std::chrono::system_clock::now();
        std::string answer;
        const int status =
            exchange(port,
                     gitea_delivery(port, "local", "issues",
                                    delivery_id(0, static_cast<std::uint64_t>(issue)), body,
                                    util::hmac_sha256_hex(k_secret, body)),
                     &answer);
        if (status != 202) {
            fail("the delivery of issue " + std::to_string(issue) + " got " + answer);
        }
        std::string slug;
        std::string flags;
        std::chrono::system_clock::time_point frozen;
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (slug.empty()) {
            db.query(
                "SELECT status, slug, flags FROM forge_state WHERE owner = 'o' AND repo = 'r' "
                "AND issue_number = ?",
                [issue](sqlite3_stmt* s) { sqlite3_bind_int(s, 1, issue); },
                [&](sqlite3_stmt* row) {
                    if (column_text(row, 0) == "frozen") {
                        frozen = std::chrono::system_clock::now();
                        slug = column_text(row, 1);
                        flags = column_text(row, 2);
                    }
                });
            if (Clock::now() > deadline) {
                fail("issue " + std::to_string(issue) + " was not frozen within 60 s; the log:\n" +
                     read_text(dir / "serve.log"));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (issue == 1) {
            continue; // the warm-up run
        }
        const std::string signalled =
            read_text(dir / "home" / "bottles" / slug / "home" / "signal-at");
        if (signalled.empty() || flags != "[]") {
            if (first_problem.empty()) {
                first_problem = "run " + slug + " of issue " + std::to_string(issue) +
                                (signalled.empty() ? " never signalled" : "") + " flags " + flags;
            }
            continue;
        }
        const std::chrono::system_clock::time_point at{
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::nanoseconds(std::strtoll(signalled.c_str(), nullptr, 10)))};
        ++by_signal;
        latencies.push_back(std::chrono::duration<double, std::milli>(frozen - at).count());
        dispatches.push_back(std::chrono::duration<double, std::milli>(at - delivered).count());
        if (const auto queued = queued_at(dir / "home" / "bottles" / slug / "queue")) {
            to_sidecar.push_back(std::chrono::duration<double, std::milli>(*queued - at).count());
            to_frozen.push_back(
                std::chrono::duration<double, std::milli>(frozen - *queued).count());
        }
    }
    const auto serve_exit = serve.stop(std::chrono::seconds(30));

    std::sort(latencies.begin(), latencies.end());
    auto at_quantile = [](const std::vector<double>& sorted, double p) {
        return sorted.empty()
                   ? 0.0
                   : sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
    };
    std::sort(dispatches.begin(), dispatches.end());
    std::sort(to_sidecar.begin(), to_sidecar.end());
    std::sort(to_frozen.begin(), to_frozen.end());
    title("signal_done to frozen",
          std::to_string(options.runs) +
              " runs after 1 warm-up, one at a time: a signed `issues` delivery dispatches a "
              "command agent (process backend)\nthat records the time and runs `forgebot call "
              "signal_done`; the store's forge_state is read every 1 ms until the run is frozen");
    std::printf("  %-36s %12s\n", "", "forgebot");
    std::printf("signal_done to frozen in the store (ms)\n");
    figure("p50", fixed(at_quantile(latencies, 0.5), 1));
    figure("p90", fixed(at_quantile(latencies, 0.9), 1));
    figure("max", fixed(latencies.empty() ? 0.0 : latencies.back(), 1));
    figure("min", fixed(latencies.empty() ? 0.0 : latencies.front(), 1));
    std::printf("the same in two parts, p50 (ms; the sidecar's event id holds its time)\n");
    figure("`forgebot call` to the sidecar", fixed(at_quantile(to_sidecar, 0.5), 1));
    figure("the sidecar's queue to frozen", fixed(at_quantile(to_frozen, 0.5), 1));
    std::printf("for context: delivery to signal_done (dispatch, clone, sidecar, agent) (ms)\n");
    figure("p50", fixed(at_quantile(dispatches, 0.5), 1));
    figure("max", fixed(dispatches.empty() ? 0.0 : dispatches.back(), 1));
    if (!first_problem.empty()) {
        std::printf("  not frozen by its signal: %s\n", first_problem.c_str());
    }
    return print_targets({
        {!latencies.empty() && at_quantile(latencies, 0.5) < k_done_p50_target_ms,
         "signal_done to frozen, p50 under 50 ms: " + fixed(at_quantile(latencies, 0.5), 1) +
             " ms (p90 " + fixed(at_quantile(latencies, 0.9), 1) + " ms)"},
        {by_signal == options.runs,
         "every run frozen by its signal_done: " + std::to_string(by_signal) + " of " +
             std::to_string(options.runs)},
        {serve_exit == 0, "the orchestrator exits 0 on SIGTERM: " +
                              (serve_exit ? "exit " + std::to_string(*serve_exit)
                                          : std::string("killed or crashed"))},
    });
}

} // namespace forgebot::bench
