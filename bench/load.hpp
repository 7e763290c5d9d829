// What the load benchmarks share: servers started as children, and a load generator of keep-alive
// HTTP/1.1 clients on a Unix socket or a TCP port.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace forgebot::bench {

/// Where a server listens: a Unix socket (`socket`), or a TCP port on 127.0.0.1 (`port`).
struct Endpoint {
    // Implicit, so that a socket path or a port can stand where an endpoint is wanted.
    Endpoint(std::string socket_path) : socket(std::move(socket_path)) {}
    Endpoint(std::uint16_t tcp_port) : port(tcp_port) {}

    std::string socket;
    std::uint16_t port = 0;

    std::string to_string() const;
};

/// A connected stream socket to `endpoint` (TCP_NODELAY for TCP), or -1 when nothing accepts
/// there.
int connect_to(const Endpoint& endpoint);

/// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port();

/// Memory figures of a process from /proc/PID/status, in KiB.
struct Memory {
    double rss = 0;  ///< VmRSS: resident now, shared library pages included
    double anon = 0; ///< RssAnon: resident private anonymous memory (heap, stacks)
    double hwm = 0;  ///< VmHWM: peak resident since start
};

Memory memory_of(pid_t pid);

/// The CPU time process `pid` has used so far (user and system, all threads), in seconds; with
/// `thread`, that thread's alone.
double cpu_seconds_of(pid_t pid, std::optional<pid_t> thread = std::nullopt);

/// A server process started for the benchmark, with stdout and stderr in `log`, ready once
/// `ready()` says so (within 20 s); killed when dropped. FORGE_* and FORGEBOT_* variables of
/// the caller's environment are not passed on; `extra_env` is added.
class Server {
public:
    Server(std::string name, const std::vector<std::string>& argv,
           const std::vector<std::string>& extra_env, const std::filesystem::path& log,
           const std::function<bool()>& ready);
    /// Ready once `endpoint` accepts a connection.
    Server(std::string name, const std::vector<std::string>& argv,
           const std::vector<std::string>& extra_env, const std::filesystem::path& log,
           const Endpoint& endpoint);
    ~Server();

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    pid_t pid() const noexcept { return m_pid; }

    /// Sends SIGTERM and waits up to `grace`; returns the exit status, or std::nullopt when the
    /// process died of a signal or had to be killed.
    std::optional<int> stop(std::chrono::seconds grace);

    /// SIGKILL, then reap: a crash, as far as the process can tell.
    void kill();

private:
    std::string m_name;
    pid_t m_pid = -1;
};

/// One load run: what to send, with how many clients, for how long.
struct Load {
    std::string body;   ///< a JSON-RPC request for `POST /rpc` (when `request` is not set)
    std::string expect; ///< a good answer has status `status` and a body holding this
    int clients = 1;
    double warmup = 0.5;
    double seconds = 3.0;
    int status = 200;
    /// The bytes of request number n (0, 1, ... over all clients), when each differs.
    std::function<std::string(std::uint64_t n)> request{};
    /// Whether to list the numbers of the requests answered well, in every phase.
    bool keep_good = false;
};

/// What one load run measured.
struct Result {
    double p50_us = 0;
    double p99_us = 0;
    double requests_per_second = 0;
    std::uint64_t errors = 0;
    std::string first_error;
    std::vector<std::uint64_t> good; ///< with Load::keep_good
};

/// Drives `load.clients` keep-alive connections to `endpoint` from one thread (epoll), each
/// sending the next request as soon as its answer arrives, for the warm-up and then the
/// measured seconds. Only requests sent and answered in the measured phase count in the
/// figures and errors.
Result run_load(const Endpoint& endpoint, const Load& load);

/// Sends `request` (whole HTTP bytes) on a new connection to `endpoint` and returns the
/// answer's status, with the whole answer in `answer` when given. Fails when nothing accepts
/// there or the server closes before answering.
int exchange(const Endpoint& endpoint, const std::string& request, std::string* answer = nullptr);

/// The `p` quantile (0 to 1) of `samples` in nanoseconds, in microseconds; reorders them.
double percentile(std::vector<std::uint64_t>& samples, double p);

} // namespace forgebot::bench
