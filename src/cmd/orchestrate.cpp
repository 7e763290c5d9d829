// `forgebot orchestrate ...`: the forge-driven loop's commands: start and resume (shims over
// the headless bottle commands that keep the forge state), status, serve.
#include "bottle/sandbox.hpp"
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "orchestrator/config.hpp"
#include "orchestrator/front.hpp"
#include "orchestrator/labels.hpp"
#include "orchestrator/loop.hpp"
#include "orchestrator/process_launcher.hpp"
#include "orchestrator/provenance.hpp"
#include "store/database.hpp"
#include "store/forge_state.hpp"
#include "store/home.hpp"
#include "store/inbox_store.hpp"
#include "util/child.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"
#include "util/http_server.hpp"
#include "util/log.hpp"
#include "util/table.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <cassert>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <set>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <thread>
#include <unistd.h>

namespace forgebot::cmd {

namespace {

struct StatusOptions {
    bool json = false;
};

struct ShimStartOptions {
    std::string agent;
    std::vector<std::string> bottles;
    std::string prompt;
    std::string label;
    std::string backend;
    std::string forge;
    std::string owner;
    std::string repo;
    std::int64_t issue = 0;
    std::vector<std::int64_t> prs;
};

struct ServeOptions {
    std::string config;
    std::string listen;
    std::string log_level = "info";
    std::optional<std::string> poll; ///< a duration; std::nullopt: no polling
};

struct ShimResumeOptions {
    std::string slug;
    std::string prompt;
    std::string backend;
};

/// The forge state row that says `record` runs for its issue, keeping what an earlier row of
/// the same issue knew (PR, flags, the last comment seen).
store::ForgeState running_state(store::ForgeStateStore& states, const store::BottleRecord& record,
                                const std::string& forge) {
    assert(record.issue);
    auto state = states.get(record.issue->owner, record.issue->repo, record.issue->issue_number)
                     .value_or(store::ForgeState{});
    if (state.slug != record.identity) {
        state = store::ForgeState{};
    }
    state.owner = record.issue->owner;
    state.repo = record.issue->repo;
    state.issue_number = record.issue->issue_number;
    state.slug = record.identity;
    state.agent_name = record.agent;
    state.bottle_names = record.bottle_names;
    state.backend_name = record.backend;
    state.status = store::RunStatus::running;
    state.last_checkin_at = util::now_seconds();
    state.forge_name = forge;
    return state;
}

/// Where `orchestrate start` announces the run it recorded: the log directory of serve's
/// children, which serve watches.
std::filesystem::path announcements_dir(const std::filesystem::path& home) {
    return home / "orchestrator";
}

/// Tells a running `orchestrate serve` that this process recorded its run: a file created (and
/// removed again) in announcements_dir(home). Rationale: serve learns a run's slug, and so which
/// queue to watch for its done event, only from the store; without this it looked at its next
/// rescan, up to 2 s later, and a quick agent's signal_done waited that long (1.7 s median).
/// Does nothing when that directory is missing (no serve started this run).
void announce_run(const std::filesystem::path& home) {
    const auto file = announcements_dir(home) / (".run-" + std::to_string(::getpid()));
    if (std::ofstream(file)) {
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
    }
}

int run_shim_start(const ShimStartOptions& o) {
    if (o.issue <= 0) {
        throw Error(Errc::usage, "--issue must be a positive issue number");
    }
    bottle::StartOptions options;
    options.agent = o.agent;
    options.headless = true;
    options.prompt = o.prompt;
    options.bottles = o.bottles;
    if (!o.backend.empty()) {
        options.backend = parse_backend_option(o.backend);
    }
    if (!o.label.empty()) {
        options.label = o.label;
    }
    options.forge = bottle::ForgeRun{o.forge, o.owner, o.repo, o.issue, o.prs, std::nullopt};
    auto context = open_bottle_context();
    store::ForgeStateStore states(*context.db);
    options.on_run = [&](const store::BottleRecord& record) {
        states.upsert(running_state(states, record, o.forge));
        announce_run(store::home_dir());
        // Rationale: the lock label goes on only once the bottle runs, so a dispatch that
        // failed earlier never leaves it behind.
        orchestrator::set_in_progress(o.forge, o.owner, o.repo, o.issue, true);
    };
    return context.sessions->start(options).exit_code;
}

int run_shim_resume(const ShimResumeOptions& o) {
    auto context = open_bottle_context();
    const auto record = context.sessions->get(o.slug);
    if (!record.issue) {
        throw Error(Errc::usage, "bottle " + o.slug +
                                     " is not a forge run; resume it with forgebot resume " +
                                     o.slug + " --headless --prompt '...'");
    }
    store::ForgeStateStore states(*context.db);
    const auto existing =
        states.get(record.issue->owner, record.issue->repo, record.issue->issue_number);
    const std::string forge = existing ? existing->forge_name : std::string();
    bottle::ResumeOptions options;
    options.identity = o.slug;
    options.headless = true;
    options.prompt = o.prompt;
    if (!o.backend.empty()) {
        options.backend = parse_backend_option(o.backend);
    }
    options.on_run = [&](const store::BottleRecord& running) {
        states.upsert(running_state(states, running, forge));
    };
    return context.sessions->resume(options).exit_code;
}

/// Watches directories with inotify (IN_MOVED_TO, IN_CREATE), re-added as the set changes.
class QueueWatch {
public:
    QueueWatch() : m_fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}
    QueueWatch(const QueueWatch&) = delete;
    QueueWatch& operator=(const QueueWatch&) = delete;
    ~QueueWatch() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    int fd() const noexcept { return m_fd; }

    /// Watches `dirs` and no others; whether a watch was added (missing directories are not).
    bool watch(const std::vector<std::filesystem::path>& dirs) {
        std::set<std::string> wanted;
        for (const auto& dir : dirs) {
            wanted.insert(dir.string());
        }
        for (auto it = m_watches.begin(); it != m_watches.end();) {
            if (!wanted.contains(it->first)) {
                ::inotify_rm_watch(m_fd, it->second);
                it = m_watches.erase(it);
            } else {
                ++it;
            }
        }
        bool added = false;
        for (const auto& dir : wanted) {
            if (m_fd >= 0 && !m_watches.contains(dir)) {
                const int wd = ::inotify_add_watch(m_fd, dir.c_str(), IN_MOVED_TO | IN_CREATE);
                if (wd >= 0) {
                    m_watches[dir] = wd;
                    added = true;
                }
            }
        }
        return added;
    }

    void drain() const {
        char buf[4096];
        while (m_fd >= 0 && ::read(m_fd, buf, sizeof buf) > 0) {
        }
    }

private:
    int m_fd;
    std::map<std::string, int> m_watches;
};

int run_serve(const ServeOptions& options) {
    const auto level = util::parse_log_level(options.log_level);
    if (!level) {
        throw Error(Errc::usage, "unknown log level '" + options.log_level +
                                     "'; use error, warn, info or debug");
    }
    util::set_log_level(*level);
    std::optional<std::chrono::seconds> poll_interval;
    if (options.poll) {
        poll_interval = util::parse_duration(*options.poll);
        if (!poll_interval || *poll_interval < std::chrono::seconds(1)) {
            throw Error(Errc::usage, "--poll takes an interval of at least 1s, such as 30s or 5m, "
                                     "not '" +
                                         *options.poll + "'");
        }
    }
    auto config = orchestrator::load_config(
        options.config.empty() ? std::nullopt
                               : std::optional<std::filesystem::path>(options.config));
    const std::string listen = options.listen.empty() ? config.listen : options.listen;
    if (config.file) {
        // The runs serve starts read the same file.
        ::setenv("FORGEBOT_CONFIG", std::filesystem::absolute(*config.file).c_str(), 1);
    }
    const std::string file =
        config.file ? config.file->string() : orchestrator::default_config_path().string();
    if (config.kill_switch) {
        util::log(util::LogLevel::warn,
                  "the kill switch is on: nothing will be dispatched and nothing written to a "
                  "forge; set kill_switch = false and list repositories in allowlist in " +
                      file);
    } else if (config.allowlist.empty()) {
        util::log(util::LogLevel::warn, "the allowlist is empty: nothing will be dispatched; "
                                        "list repositories in allowlist in " +
                                            file);
    }
    if (poll_interval) {
        // Rationale: under the kill switch every polled delivery would be decided "ignored"
        // for good (its id would be seen again after arming), and nothing would come of it.
        util::log(util::LogLevel::info,
                  config.kill_switch ? std::string("polling is off while the kill switch is on")
                                     : "polling the allowlisted repositories every " +
                                           util::format_duration(*poll_interval));
    }
    auto context = open_bottle_context();
    const auto home = store::home_dir();

    const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    orchestrator::Front front(config, store::default_database_path(), [wake] {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
    });
    util::ServerLimits limits;
    limits.max_body = 5 * 1024 * 1024;
    util::TcpHttpServer server(
        listen,
        [&front](util::HttpRequest request, util::Responder respond) {
            front.handle(request, std::move(respond));
        },
        limits);
    front.batch_on(server);
    std::atomic<bool> stopping{false};
    server.on_signals([&](int signal) {
        util::log(util::LogLevel::info,
                  "signal " + std::to_string(signal) + ": stopping (runs keep going)");
        stopping = true;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
        server.stop();
    });
    std::thread http([&server] { server.run(); });

    orchestrator::ProcessLauncher launcher(bottle::self_executable(), announcements_dir(home));
    orchestrator::LoopContext loop_context;
    loop_context.config = config;
    loop_context.db = context.db.get();
    loop_context.sessions = context.sessions.get();
    loop_context.launcher = &launcher;
    loop_context.home = home;
    loop_context.open_forge = [&config](const std::string& forge, const std::string& owner,
                                        const std::string& repo) {
        return orchestrator::open_forge(orchestrator::forge_connection(config, forge), owner, repo);
    };
    loop_context.log = [](const std::string& line) {
        util::log(util::LogLevel::info, line);
    };
    if (const auto grace = util::get_env("FORGEBOT_STOP_GRACE")) {
        if (const auto parsed = util::parse_duration(*grace)) {
            loop_context.stop_grace = *parsed;
        }
    }
    // The watchdog looks every minute, or more often for a shorter timeout.
    loop_context.watchdog_interval = std::clamp<std::chrono::milliseconds>(
        config.watchdog_timeout / 2, std::chrono::seconds(1), std::chrono::minutes(1));
    loop_context.poll_interval = poll_interval;
    orchestrator::Loop loop(loop_context);
    util::log(util::LogLevel::info, "orchestrator listening on " +
                                        listen.substr(0, listen.rfind(':')) + ":" +
                                        std::to_string(server.port()));
    QueueWatch watch;
    // Rationale: the rescan every two seconds is the safety net for a missed inotify event and
    // for bottles that appear between steps; a shorter poll interval wakes the loop sooner.
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::min<std::chrono::seconds>(
            poll_interval.value_or(std::chrono::seconds(2)), std::chrono::seconds(2)));
    while (!stopping) {
        try {
            loop.step();
        } catch (const std::exception& e) {
            util::log(util::LogLevel::error, std::string("loop step failed: ") + e.what());
        }
        auto watched = loop.watched_queues();
        watched.push_back(announcements_dir(home));
        if (watch.watch(watched)) {
            // A done event may have arrived before its queue was watched: look again at once.
            continue;
        }
        pollfd fds[2] = {{wake, POLLIN, 0}, {watch.fd(), POLLIN, 0}};
        ::poll(fds, 2, static_cast<int>(wait.count()));
        std::uint64_t count = 0;
        [[maybe_unused]] auto n = ::read(wake, &count, sizeof count);
        watch.drain();
    }
    http.join();
    ::close(wake);
    util::log(util::LogLevel::info, "orchestrator stopped");
    return 0;
}

int run_status(const StatusOptions& options) {
    store::Database db(store::default_database_path());
    const auto states = store::ForgeStateStore(db).all();
    if (options.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : states) {
            out.push_back(orchestrator::state_json(s));
        }
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    const auto config = orchestrator::load_config();
    if (config.kill_switch) {
        std::cout << "kill switch: on (nothing is dispatched; set kill_switch = false in "
                  << (config.file ? config.file->string()
                                  : orchestrator::default_config_path().string())
                  << ")\n";
    }
    if (states.empty()) {
        std::cerr << "forgebot: no tracked issues\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : states) {
        rows.push_back({
            s.owner + "/" + s.repo + "#" + std::to_string(s.issue_number),
            s.agent_name,
            s.slug,
            std::string(store::to_string(s.status)),
            s.pr_number ? "#" + std::to_string(*s.pr_number) : "-",
            s.last_checkin_at ? util::format_utc(*s.last_checkin_at) : "-",
            s.flags.empty() ? "-" : util::join(s.flags, ","),
            !s.pr_url.empty() ? s.pr_url : (!s.issue_url.empty() ? s.issue_url : "-"),
        });
    }
    std::cout << util::format_table(
        {"ISSUE", "AGENT", "SLUG", "STATUS", "PR", "LAST CHECK-IN", "FLAGS", "URL"}, rows);
    return 0;
}

} // namespace

void add_orchestrate(CLI::App& parent, Outcome& outcome) {
    CLI::App* orchestrate =
        parent.add_subcommand("orchestrate", "Drive agents from forge issues and pull requests");
    configure_app(*orchestrate);
    orchestrate->require_subcommand(1);

    auto start_options = std::make_shared<ShimStartOptions>();
    CLI::App* start = orchestrate->add_subcommand(
        "start", "Start a headless bottle on a forge issue and track it in the forge state");
    configure_app(*start);
    start->add_option("--agent", start_options->agent, "The agent, e.g. claude")->required();
    start->add_option("--bottle", start_options->bottles, "A bottle profile (repeatable)");
    start->add_option("--prompt", start_options->prompt, "What the agent should do")->required();
    start->add_option("--label", start_options->label, "A label recorded with the bottle");
    start->add_option("--backend", start_options->backend, "process or bwrap");
    start->add_option("--forge", start_options->forge, "A forge from config.toml")->required();
    start->add_option("--owner", start_options->owner, "Repository owner")->required();
    start->add_option("--repo", start_options->repo, "Repository name")->required();
    start->add_option("--issue", start_options->issue, "The issue number")->required();
    start->add_option("--pr", start_options->prs, "A PR the agent may write to (repeatable)");
    start->callback(
        [&outcome, start_options] { outcome.exit_code = run_shim_start(*start_options); });

    auto resume_options = std::make_shared<ShimResumeOptions>();
    CLI::App* resume = orchestrate->add_subcommand(
        "resume", "Resume a tracked run headless with a new prompt and mark it running");
    configure_app(*resume);
    resume->add_option("--slug", resume_options->slug, "The run's bottle identity")->required();
    resume->add_option("--prompt", resume_options->prompt, "The next instruction")->required();
    resume->add_option("--backend", resume_options->backend, "process or bwrap");
    resume->callback(
        [&outcome, resume_options] { outcome.exit_code = run_shim_resume(*resume_options); });

    auto serve_options = std::make_shared<ServeOptions>();
    CLI::App* serve = orchestrate->add_subcommand(
        "serve", "Run the forge-driven loop in the foreground: webhooks in, bottles out");
    configure_app(*serve);
    serve->add_option("--config", serve_options->config,
                      "The configuration file [$XDG_CONFIG_HOME/forgebot/config.toml]");
    serve->add_option("--listen", serve_options->listen,
                      "ADDR:PORT for webhooks and the API [config listen, 127.0.0.1:8765]");
    serve->add_option("--log-level", serve_options->log_level, "error, warn, info or debug [info]")
        ->envname("FORGEBOT_LOG_LEVEL");
    serve->add_option(
        "--poll", serve_options->poll,
        "Also poll the allowlisted repositories every INTERVAL (30s, 5m; at least 1s)");
    serve->callback([&outcome, serve_options] { outcome.exit_code = run_serve(*serve_options); });

    auto status_options = std::make_shared<StatusOptions>();
    CLI::App* status =
        orchestrate->add_subcommand("status", "List every tracked issue and the state of its run");
    configure_app(*status);
    status->add_flag("--json", status_options->json, "Print a JSON array instead of a table");
    status->callback(
        [&outcome, status_options] { outcome.exit_code = run_status(*status_options); });
}

} // namespace forgebot::cmd
