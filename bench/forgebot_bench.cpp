// The benchmarks of `make bench`: starts the floor server and `forgebot sidecar`, drives each
// with keep-alive clients on its Unix socket, prints latency, throughput and RSS side by side,
// then times `forgebot start --headless` (start_bench.cpp) and the orchestrator's webhooks and
// done signals (orchestrator_bench.cpp), and checks the targets of docs/PERFORMANCE.md.
#include "bench_support.hpp"
#include "load.hpp"
#include "orchestrator_bench.hpp"
#include "start_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <sched.h>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace forgebot::bench {

namespace {

namespace fs = std::filesystem;

constexpr double k_latency_ratio_target = 3.0;
constexpr double k_throughput_target = 20'000.0;
constexpr double k_idle_rss_target_kib = 8 * 1024.0;

const char k_usage[] =
    "usage: forgebot_bench --forgebot PATH --floor PATH --libfloor PATH [--fake-forge PATH] "
    "[--only sidecar|start|webhook|done] [--seconds S] [--warmup S] [--runs N] [--files N] "
    "[--done-runs N] [--keep]\n"
    "       forgebot_bench --forgebot PATH --only start [--runs N] [--files N] [--keep]\n"
    "       forgebot_bench --forgebot PATH --only webhook [--seconds S] [--warmup S] [--keep]\n"
    "       forgebot_bench --forgebot PATH --fake-forge PATH --only done [--done-runs N] "
    "[--keep]\n"
    "       forgebot_bench --drive SOCKET [--method ping|signal_done] [--clients N] "
    "[--seconds S] [--warmup S]\n";

const std::string k_ping_body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
const std::string k_done_body = R"({"jsonrpc":"2.0","id":1,"method":"signal_done",)"
                                R"("params":{"status":"success","summary":"bench"}})";

struct Options {
    std::string forgebot;
    std::string floor;
    std::string libfloor;
    std::string fake_forge; ///< forgebot_fake_forge, for the done benchmark
    double seconds = 3.0;
    double warmup = 0.5;
    bool keep = false;
    std::string only;            ///< "sidecar", "start", "webhook" or "done": just that one
    int runs = 10;               ///< measured starts of each kind
    int files = 10'000;          ///< files in the start benchmark's repository
    int done_runs = 20;          ///< measured runs of the done benchmark
    std::string drive;           ///< only load this socket (a server already running)
    std::string method = "ping"; ///< with drive
    int clients = 1;             ///< with drive
};

[[noreturn]] void usage() {
    std::fputs(k_usage, stderr);
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
            }
            return argv[++i];
        };
        if (arg == "--forgebot") {
            options.forgebot = value();
        } else if (arg == "--floor") {
            options.floor = value();
        } else if (arg == "--libfloor") {
            options.libfloor = value();
        } else if (arg == "--fake-forge") {
            options.fake_forge = value();
        } else if (arg == "--seconds") {
            options.seconds = std::strtod(value().c_str(), nullptr);
        } else if (arg == "--warmup") {
            options.warmup = std::strtod(value().c_str(), nullptr);
        } else if (arg == "--keep") {
            options.keep = true;
        } else if (arg == "--only") {
            options.only = value();
        } else if (arg == "--runs") {
            options.runs = std::atoi(value().c_str());
        } else if (arg == "--files") {
            options.files = std::atoi(value().c_str());
        } else if (arg == "--done-runs") {
            options.done_runs = std::atoi(value().c_str());
        } else if (arg == "--drive") {
            options.drive = value();
        } else if (arg == "--method") {
            options.method = value();
        } else if (arg == "--clients") {
            options.clients = std::atoi(value().c_str());
        } else {
            usage();
        }
    }
    // Only the sidecar benchmark needs the floors, and only the done benchmark the fake forge
    // (without it, a run of all of them skips that one).
    const bool sidecar = options.only.empty() || options.only == "sidecar";
    const bool servers = !options.forgebot.empty() &&
                         (!sidecar || (!options.floor.empty() && !options.libfloor.empty())) &&
                         (options.only != "done" || !options.fake_forge.empty());
    const bool method = options.method == "ping" || options.method == "signal_done";
    const bool only = options.only.empty() || options.only == "sidecar" ||
                      options.only == "start" || options.only == "webhook" ||
                      options.only == "done";
    if ((options.drive.empty() ? !servers : !method || options.clients < 1) || !only ||
        options.seconds <= 0 || options.warmup < 0 || options.runs < 1 || options.files < 1 ||
        options.done_runs < 1) {
        usage();
    }
    return options;
}

Load ping_load(const Options& options, int clients) {
    return {k_ping_body, "\"result\":\"pong\"", clients, options.warmup, options.seconds};
}

Load done_load(const Options& options, int clients) {
    return {k_done_body, "\"ok\":true", clients, options.warmup, options.seconds};
}

/// --drive: loads a server that is already running and prints one line of figures.
int drive(const Options& options) {
    const Load load = options.method == "ping" ? ping_load(options, options.clients)
                                               : done_load(options, options.clients);
    const Result r = run_load(options.drive, load);
    std::printf("%s, %d clients: p50 %.1f us, p99 %.1f us, %.0f req/s, %llu bad\n",
                options.method.c_str(), options.clients, r.p50_us, r.p99_us, r.requests_per_second,
                static_cast<unsigned long long>(r.errors));
    if (r.errors > 0) {
        std::printf("the first bad answer: %s\n", r.first_error.c_str());
    }
    return r.errors == 0 ? 0 : 1;
}

/// Runs `load` against `server` (listening on `socket`) with this thread and the server's main
/// thread pinned to the first CPU this process may use; both get their previous CPUs back
/// afterwards.
Result run_pinned(const Server& server, const std::string& socket, const Load& load) {
    cpu_set_t mine;
    cpu_set_t theirs;
    if (::sched_getaffinity(0, sizeof mine, &mine) != 0 ||
        ::sched_getaffinity(server.pid(), sizeof theirs, &theirs) != 0) {
        fail_errno("sched_getaffinity");
    }
    std::size_t cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &mine)) {
        ++cpu;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (::sched_setaffinity(0, sizeof one, &one) != 0 ||
        ::sched_setaffinity(server.pid(), sizeof one, &one) != 0) {
        fail_errno("sched_setaffinity");
    }
    const Result result = run_load(socket, load);
    ::sched_setaffinity(server.pid(), sizeof theirs, &theirs);
    ::sched_setaffinity(0, sizeof mine, &mine);
    return result;
}

/// The round with the median p50 (rounds.size() odd).
Result median_round(std::vector<Result> rounds) {
    std::sort(rounds.begin(), rounds.end(),
              [](const Result& a, const Result& b) { return a.p50_us < b.p50_us; });
    Result median = rounds[rounds.size() / 2];
    for (const auto& r : rounds) {
        if (r.errors > 0 && median.errors == 0) {
            median.errors = r.errors;
            median.first_error = r.first_error;
        }
    }
    return median;
}

/// One target: its verdict and the line that explains it.
struct Target {
    bool pass;
    std::string text;
};

/// One row group of the table: the sidecar under a load, and the floor under the same clients.
struct Scenario {
    std::string title;
    Result sidecar;
    const Result* floor;
};

/// The sidecar benchmark in the scratch directory `dir`: prints its table and targets; returns
/// whether every target passed.
bool run_sidecar(const Options& options, const fs::path& dir) {
    const std::string floor_socket = (dir / "floor.sock").string();
    Server floor("the floor", {options.floor, floor_socket}, {}, dir / "floor.log", floor_socket);
    const std::string libfloor_socket = (dir / "libfloor.sock").string();
    Server libfloor("the library floor", {options.libfloor, libfloor_socket}, {},
                    dir / "libfloor.log", libfloor_socket);
    const std::string sidecar_socket = (dir / "sidecar" / "sock").string();
    Server sidecar("forgebot sidecar",
                   {options.forgebot, "sidecar", "--socket", sidecar_socket, "--queue-dir",
                    (dir / "run" / "queue").string(), "--identity", "bench-aaaaa", "--api-url",
                    "http://127.0.0.1:9/api/v1", "--owner", "o", "--repo", "r", "--issue", "1",
                    "--log-level", "warn"},
                   {"FORGEBOT_HOME=" + (dir / "home").string(), "FORGE_TOKEN=bench"},
                   dir / "sidecar.log", sidecar_socket);

    // Rationale: let each settle (threads started, start-up pages in) before calling it idle.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const Memory floor_idle = memory_of(floor.pid());
    const Memory libfloor_idle = memory_of(libfloor.pid());
    const Memory sidecar_idle = memory_of(sidecar.pid());
    libfloor.stop(std::chrono::seconds(5));

    // Rationale: on a VM, a lone client's round trip is mostly the time idle CPUs take to wake
    // up, which swings from run to run. With the client and the server's I/O thread (its main
    // thread, in both servers) on one CPU nothing idles, so the figure is the work each request
    // costs. Rounds alternate between the servers, and the median round counts.
    Result floor_pinned;
    Result sidecar_pinned;
    {
        const Load load = ping_load(options, 1);
        const Load round{load.body, load.expect, 1, load.warmup / 3, load.seconds / 3};
        std::vector<Result> floor_rounds;
        std::vector<Result> sidecar_rounds;
        for (int i = 0; i < 3; ++i) {
            floor_rounds.push_back(run_pinned(floor, floor_socket, round));
            sidecar_rounds.push_back(run_pinned(sidecar, sidecar_socket, round));
        }
        floor_pinned = median_round(floor_rounds);
        sidecar_pinned = median_round(sidecar_rounds);
    }
    const Result floor_one = run_load(floor_socket, ping_load(options, 1));
    const Result floor_eight = run_load(floor_socket, ping_load(options, 8));
    const std::vector<Scenario> scenarios = {
        {"ping, 1 client, client and server I/O thread on one CPU", sidecar_pinned, &floor_pinned},
        {"ping, 1 client, free placement (as curl sees it; VM wake-ups included)",
         run_load(sidecar_socket, ping_load(options, 1)), &floor_one},
        {"ping, 8 clients", run_load(sidecar_socket, ping_load(options, 8)), &floor_eight},
        {"signal_done (write + fsync + rename + fsync), 1 client",
         run_load(sidecar_socket, done_load(options, 1)), &floor_one},
        {"signal_done, 8 clients", run_load(sidecar_socket, done_load(options, 8)), &floor_eight},
    };
    const Memory floor_loaded = memory_of(floor.pid());
    const Memory sidecar_loaded = memory_of(sidecar.pid());
    const auto sidecar_exit = sidecar.stop(std::chrono::seconds(60));

    std::printf("forgebot sidecar benchmark: %u CPUs (%s), %.1f s per run after %.1f s warm-up\n",
                std::thread::hardware_concurrency(), cpu_model().c_str(), options.seconds,
                options.warmup);
    std::printf("floor: bench/floor.c, one epoll thread answering a fixed response to the same "
                "requests\n\n");
    std::printf("  %-28s %12s %12s %8s\n", "", "forgebot", "floor", "ratio");
    std::uint64_t errors = 0;
    for (const auto& s : scenarios) {
        std::printf("%s\n", s.title.c_str());
        row("latency p50 (us)", fixed(s.sidecar.p50_us, 1), fixed(s.floor->p50_us, 1),
            ratio(s.sidecar.p50_us, s.floor->p50_us));
        row("latency p99 (us)", fixed(s.sidecar.p99_us, 1), fixed(s.floor->p99_us, 1),
            ratio(s.sidecar.p99_us, s.floor->p99_us));
        row("throughput (req/s)", fixed(s.sidecar.requests_per_second, 0),
            fixed(s.floor->requests_per_second, 0),
            ratio(s.sidecar.requests_per_second, s.floor->requests_per_second));
        if (s.sidecar.errors > 0) {
            std::printf("  %llu bad answers; the first: %s\n",
                        static_cast<unsigned long long>(s.sidecar.errors),
                        s.sidecar.first_error.c_str());
        }
        errors += s.sidecar.errors;
    }
    for (const Result* r :
         std::initializer_list<const Result*>{&floor_pinned, &floor_one, &floor_eight}) {
        if (r->errors > 0) {
            std::printf("the floor gave %llu bad answers; the first: %s\n",
                        static_cast<unsigned long long>(r->errors), r->first_error.c_str());
        }
        errors += r->errors;
    }
    auto mib = [](double kib) {
        return fixed(kib / 1024.0, 1);
    };
    std::printf("memory (MiB)\n");
    row("idle RSS (VmRSS)", mib(sidecar_idle.rss), mib(floor_idle.rss),
        ratio(sidecar_idle.rss, floor_idle.rss));
    row("idle private (RssAnon)", mib(sidecar_idle.anon), mib(floor_idle.anon),
        ratio(sidecar_idle.anon, floor_idle.anon));
    row("loaded peak RSS (VmHWM)", mib(sidecar_loaded.hwm), mib(floor_loaded.hwm),
        ratio(sidecar_loaded.hwm, floor_loaded.hwm));
    row("loaded private (RssAnon)", mib(sidecar_loaded.anon), mib(floor_loaded.anon),
        ratio(sidecar_loaded.anon, floor_loaded.anon));
    std::printf("  library floor: an idle program linking forgebot's shared libraries "
                "(bench/libfloor.cpp) has VmRSS %s MiB\n",
                mib(libfloor_idle.rss).c_str());

    const Scenario& ping_eight = scenarios[2];
    const std::vector<Target> targets = {
        {sidecar_pinned.p50_us <= k_latency_ratio_target * floor_pinned.p50_us,
         "ping p50, 1 client (one CPU), within 3x the floor: " + fixed(sidecar_pinned.p50_us, 1) +
             " us vs " + fixed(floor_pinned.p50_us, 1) + " us (" +
             ratio(sidecar_pinned.p50_us, floor_pinned.p50_us) + ")"},
        {ping_eight.sidecar.requests_per_second >= k_throughput_target,
         "ping, 8 clients, at least 20000 req/s: " +
             fixed(ping_eight.sidecar.requests_per_second, 0) + " req/s"},
        {sidecar_idle.rss < k_idle_rss_target_kib,
         "idle RSS under 8 MiB: " + mib(sidecar_idle.rss) + " MiB (library floor " +
             mib(libfloor_idle.rss) + " MiB)"},
        {errors == 0, "every answer correct: " + std::to_string(errors) + " bad"},
        {sidecar_exit == 0, "the sidecar exits 0 on SIGTERM: " +
                                (sidecar_exit ? "exit " + std::to_string(*sidecar_exit)
                                              : std::string("killed or crashed"))},
    };
    std::printf("\ntargets\n");
    bool all = true;
    for (const auto& t : targets) {
        std::printf("  %s  %s\n", t.pass ? "PASS" : "FAIL", t.text.c_str());
        all = all && t.pass;
    }
    return all;
}

/// The benchmarks --only selects (all by default) in one scratch directory, kept with --keep;
/// exits 1 when a target failed.
int run(const Options& options) {
    char dir_template[] = "/tmp/forgebot-bench.XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) {
        fail_errno("mkdtemp");
    }
    const fs::path dir = dir_template;
    struct Cleanup {
        fs::path dir;
        bool keep;
        ~Cleanup() {
            if (keep) {
                std::fprintf(stderr, "forgebot_bench: kept %s\n", dir.c_str());
            } else {
                std::error_code ignored;
                fs::remove_all(dir, ignored);
            }
        }
    } cleanup{dir, options.keep};

    OrchestratorBenchOptions orchestrator;
    orchestrator.forgebot = options.forgebot;
    orchestrator.fake_forge = options.fake_forge;
    orchestrator.dir = dir / "orchestrator";
    orchestrator.seconds = options.seconds;
    orchestrator.warmup = options.warmup;
    orchestrator.runs = options.done_runs;
    const std::vector<std::pair<std::string, std::function<bool()>>> benchmarks = {
        {"sidecar",
         [&] {
             return run_sidecar(options, dir);
         }},
        {"start",
         [&] {
             StartBenchOptions start;
             start.forgebot = options.forgebot;
             start.dir = dir / "start";
             start.runs = options.runs;
             start.files = options.files;
             return run_start_bench(start);
         }},
        {"webhook",
         [&] {
             return run_webhook_bench(orchestrator);
         }},
        {"done",
         [&] {
             if (options.fake_forge.empty()) {
                 std::printf("forgebot orchestrator benchmark: signal_done to frozen: skipped, "
                             "no --fake-forge (it is built with FORGEBOT_BUILD_TESTS=ON)\n\n"
                             "targets\n  SKIP  signal_done to frozen: no fake forge\n");
                 return true;
             }
             return run_done_bench(orchestrator);
         }},
    };
    bool all = true;
    bool first = true;
    for (const auto& [name, benchmark] : benchmarks) {
        if (!options.only.empty() && options.only != name) {
            continue;
        }
        if (!first) {
            std::printf("\n");
        }
        first = false;
        std::fflush(stdout);
        all = benchmark() && all;
    }
    return all ? 0 : 1;
}

} // namespace

} // namespace forgebot::bench

int main(int argc, char** argv) {
    try {
        const auto options = forgebot::bench::parse_options(argc, argv);
        return options.drive.empty() ? forgebot::bench::run(options)
                                     : forgebot::bench::drive(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "forgebot_bench: error: %s\n", e.what());
        return 1;
    }
}
