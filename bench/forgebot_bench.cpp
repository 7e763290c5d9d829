// The benchmarks of `make bench`: starts the floor server and `forgebot sidecar`, drives each
// with keep-alive clients on its Unix socket, prints latency, throughput and RSS side by side,
// then times `forgebot start --headless` (start_bench.cpp), and checks the targets of
// docs/PERFORMANCE.md.
#include "bench_support.hpp"
#include "start_bench.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sched.h>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace forgebot::bench {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr double k_latency_ratio_target = 3.0;
constexpr double k_throughput_target = 20'000.0;
constexpr double k_idle_rss_target_kib = 8 * 1024.0;

const char k_usage[] =
    "usage: forgebot_bench --forgebot PATH --floor PATH --libfloor PATH [--only sidecar] "
    "[--seconds S] [--warmup S] [--runs N] [--files N] [--keep]\n"
    "       forgebot_bench --forgebot PATH --only start [--runs N] [--files N] [--keep]\n"
    "       forgebot_bench --drive SOCKET [--method ping|signal_done] [--clients N] "
    "[--seconds S] [--warmup S]\n";

const std::string k_ping_body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
const std::string k_done_body = R"({"jsonrpc":"2.0","id":1,"method":"signal_done",)"
                                R"("params":{"status":"success","summary":"bench"}})";

struct Options {
    std::string forgebot;
    std::string floor;
    std::string libfloor;
    double seconds = 3.0;
    double warmup = 0.5;
    bool keep = false;
    std::string only;            ///< "sidecar" or "start": run just that benchmark
    int runs = 10;               ///< measured starts of each kind
    int files = 10'000;          ///< files in the start benchmark's repository
    std::string drive;           ///< only load this socket (a server already running)
    std::string method = "ping"; ///< with drive
    int clients = 1;             ///< with drive
};

/// The bytes of one `POST /rpc` request carrying `body`.
std::string rpc_request(const std::string& body) {
    return "POST /rpc HTTP/1.1\r\nHost: sidecar\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// A connected stream socket to `path`, or -1 when nothing accepts there.
int connect_unix(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail_errno("socket");
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// Memory figures of a process from /proc/PID/status, in KiB.
struct Memory {
    double rss = 0;  ///< VmRSS: resident now, shared library pages included
    double anon = 0; ///< RssAnon: resident private anonymous memory (heap, stacks)
    double hwm = 0;  ///< VmHWM: peak resident since start
};

Memory memory_of(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    Memory memory;
    std::string line;
    while (std::getline(status, line)) {
        auto field = [&line](std::string_view name, double& out) {
            if (line.starts_with(name)) {
                out = std::strtod(line.c_str() + name.size(), nullptr);
            }
        };
        field("VmRSS:", memory.rss);
        field("RssAnon:", memory.anon);
        field("VmHWM:", memory.hwm);
    }
    return memory;
}

/// A server process started for the benchmark, ready once its socket accepts; killed when
/// dropped. FORGE_* and FORGEBOT_* variables of the caller's environment are not passed on.
class Server {
public:
    Server(std::string name, const std::vector<std::string>& argv,
           const std::vector<std::string>& extra_env, const fs::path& log, std::string socket)
        : m_name(std::move(name)), m_socket(std::move(socket)) {
        std::vector<std::string> env;
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string_view entry(*e);
            if (!entry.starts_with("FORGE_") && !entry.starts_with("FORGEBOT_")) {
                env.emplace_back(entry);
            }
        }
        env.insert(env.end(), extra_env.begin(), extra_env.end());
        std::vector<char*> c_argv;
        for (const auto& a : argv) {
            c_argv.push_back(const_cast<char*>(a.c_str()));
        }
        c_argv.push_back(nullptr);
        std::vector<char*> c_env;
        for (auto& e : env) {
            c_env.push_back(e.data());
        }
        c_env.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        const int rc =
            ::posix_spawn(&m_pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            errno = rc;
            fail_errno("cannot start " + argv[0]);
        }
        wait_until_ready(log);
    }

    ~Server() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    pid_t pid() const noexcept { return m_pid; }
    const std::string& socket() const noexcept { return m_socket; }

    /// Sends SIGTERM and waits up to `grace`; returns the exit status, or std::nullopt when the
    /// process died of a signal or had to be killed.
    std::optional<int> stop(std::chrono::seconds grace) {
        ::kill(m_pid, SIGTERM);
        const auto deadline = Clock::now() + grace;
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (Clock::now() > deadline) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                m_pid = -1;
                return std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        m_pid = -1;
        return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : std::nullopt;
    }

private:
    void wait_until_ready(const fs::path& log) {
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        while (Clock::now() < deadline) {
            if (const int fd = connect_unix(m_socket); fd >= 0) {
                ::close(fd);
                return;
            }
            if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
                m_pid = -1;
                fail(m_name + " exited before listening:\n" + read_text(log));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        fail(m_name + " did not listen on " + m_socket + " within 20 s");
    }

    std::string m_name;
    std::string m_socket;
    pid_t m_pid = -1;
};

/// One load run: what to send, with how many clients, for how long.
struct Load {
    std::string body;   ///< the JSON-RPC request
    std::string expect; ///< a good answer is HTTP 200 with a body holding this
    int clients = 1;
    double warmup = 0.5;
    double seconds = 3.0;
};

/// What one load run measured.
struct Result {
    double p50_us = 0;
    double p99_us = 0;
    double requests_per_second = 0;
    std::uint64_t errors = 0;
    std::string first_error;
};

/// One keep-alive client connection: one request in flight at a time.
struct Connection {
    int fd = -1;
    std::string in;
    Clock::time_point sent;
};

/// The size of the first complete HTTP response in `data`, 0 when it is not complete yet;
/// sets `status`.
std::size_t complete_response(const std::string& data, int& status) {
    const auto head_end = data.find("\r\n\r\n");
    if (head_end == std::string::npos) {
        return 0;
    }
    const std::size_t head = head_end + 4;
    status = data.size() > 12 ? std::atoi(data.c_str() + 9) : 0;
    static constexpr std::string_view k_name = "\r\ncontent-length:";
    std::size_t length = 0;
    for (std::size_t at = data.find("\r\n"); at < head_end; at = data.find("\r\n", at + 2)) {
        if (::strncasecmp(data.c_str() + at, k_name.data(), k_name.size()) == 0) {
            length = std::strtoul(data.c_str() + at + k_name.size(), nullptr, 10);
        }
    }
    return data.size() >= head + length ? head + length : 0;
}

double percentile(std::vector<std::uint64_t>& samples, double p) {
    if (samples.empty()) {
        return 0;
    }
    const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
    std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index),
                     samples.end());
    return static_cast<double>(samples[index]) / 1000.0;
}

void send_request(Connection& c, const std::string& request) {
    c.sent = Clock::now();
    if (::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        fail_errno("send");
    }
}

Clock::duration seconds_of(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

/// Drives `load.clients` keep-alive connections to `socket` from one thread (epoll), each
/// sending the request again as soon as its answer arrives, for the warm-up and then the
/// measured seconds. Only requests sent and answered in the measured phase count.
Result run_load(const std::string& socket, const Load& load) {
    const std::string request = rpc_request(load.body);
    const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
        fail_errno("epoll_create1");
    }
    std::vector<Connection> connections(static_cast<std::size_t>(load.clients));
    for (auto& c : connections) {
        c.fd = connect_unix(socket);
        if (c.fd < 0) {
            fail("cannot connect to " + socket);
        }
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &c;
        if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.fd, &event) != 0) {
            fail_errno("epoll_ctl");
        }
    }

    const auto measure_from = Clock::now() + seconds_of(load.warmup);
    const auto end = measure_from + seconds_of(load.seconds);
    std::vector<std::uint64_t> latencies;
    latencies.reserve(1 << 20);
    Result result;
    for (auto& c : connections) {
        send_request(c, request);
    }
    std::size_t open = connections.size();
    epoll_event events[64];
    char buffer[64 * 1024];
    while (open > 0) {
        const int ready = ::epoll_wait(epoll_fd, events, 64, 1000);
        if (ready < 0 && errno != EINTR) {
            fail_errno("epoll_wait");
        }
        for (int i = 0; i < ready; ++i) {
            auto& c = *static_cast<Connection*>(events[i].data.ptr);
            const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n < 0 && errno == EAGAIN) {
                continue;
            }
            if (n <= 0) {
                ++result.errors;
                if (result.first_error.empty()) {
                    result.first_error = "the server closed a connection";
                }
                ::close(c.fd);
                --open;
                continue;
            }
            c.in.append(buffer, static_cast<std::size_t>(n));
            int status = 0;
            const std::size_t size = complete_response(c.in, status);
            if (size == 0) {
                continue;
            }
            const auto now = Clock::now();
            if (c.sent >= measure_from && now < end) {
                latencies.push_back(static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.sent).count()));
                const std::string_view answer(c.in.data(), size);
                if (status != 200 || answer.find(load.expect) == std::string_view::npos) {
                    ++result.errors;
                    if (result.first_error.empty()) {
                        result.first_error = std::string(answer);
                    }
                }
            }
            c.in.erase(0, size);
            if (now < end) {
                send_request(c, request);
            } else {
                ::close(c.fd);
                --open;
            }
        }
    }
    ::close(epoll_fd);
    result.requests_per_second = static_cast<double>(latencies.size()) / load.seconds;
    result.p50_us = percentile(latencies, 0.50);
    result.p99_us = percentile(latencies, 0.99);
    return result;
}

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
    // The start benchmark alone needs only forgebot.
    const bool servers =
        !options.forgebot.empty() &&
        (options.only == "start" || (!options.floor.empty() && !options.libfloor.empty()));
    const bool method = options.method == "ping" || options.method == "signal_done";
    const bool only = options.only.empty() || options.only == "sidecar" || options.only == "start";
    if ((options.drive.empty() ? !servers : !method || options.clients < 1) || !only ||
        options.seconds <= 0 || options.warmup < 0 || options.runs < 1 || options.files < 1) {
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

/// Runs `load` against `server` with this thread and the server's main thread pinned to the
/// first CPU this process may use; both get their previous CPUs back afterwards.
Result run_pinned(const Server& server, const Load& load) {
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
    const Result result = run_load(server.socket(), load);
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
            floor_rounds.push_back(run_pinned(floor, round));
            sidecar_rounds.push_back(run_pinned(sidecar, round));
        }
        floor_pinned = median_round(floor_rounds);
        sidecar_pinned = median_round(sidecar_rounds);
    }
    const Result floor_one = run_load(floor.socket(), ping_load(options, 1));
    const Result floor_eight = run_load(floor.socket(), ping_load(options, 8));
    const std::vector<Scenario> scenarios = {
        {"ping, 1 client, client and server I/O thread on one CPU", sidecar_pinned, &floor_pinned},
        {"ping, 1 client, free placement (as curl sees it; VM wake-ups included)",
         run_load(sidecar.socket(), ping_load(options, 1)), &floor_one},
        {"ping, 8 clients", run_load(sidecar.socket(), ping_load(options, 8)), &floor_eight},
        {"signal_done (write + fsync + rename + fsync), 1 client",
         run_load(sidecar.socket(), done_load(options, 1)), &floor_one},
        {"signal_done, 8 clients", run_load(sidecar.socket(), done_load(options, 8)), &floor_eight},
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

/// The benchmarks --only selects (both by default) in one scratch directory, kept with --keep;
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

    bool all = true;
    if (options.only.empty() || options.only == "sidecar") {
        all = run_sidecar(options, dir);
    }
    if (options.only.empty() || options.only == "start") {
        if (options.only.empty()) {
            std::printf("\n");
        }
        std::fflush(stdout);
        StartBenchOptions start;
        start.forgebot = options.forgebot;
        start.dir = dir / "start";
        start.runs = options.runs;
        start.files = options.files;
        all = run_start_bench(start) && all;
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
