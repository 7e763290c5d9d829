// The benchmarks' servers and load generator: children started and stopped, keep-alive clients
// driven from one epoll thread.
#include "load.hpp"

#include "bench_support.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sstream>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace forgebot::bench {

namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
}

/// One keep-alive client connection: one request in flight at a time.
struct Connection {
    int fd = -1;
    std::string in;
    Clock::time_point sent;
    std::uint64_t number = 0; ///< of the request in flight
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

/// The bytes of one `POST /rpc` request carrying `body`.
std::string rpc_request(const std::string& body) {
    return "POST /rpc HTTP/1.1\r\nHost: sidecar\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

Clock::duration seconds_of(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

} // namespace

std::string Endpoint::to_string() const {
    return socket.empty() ? "127.0.0.1:" + std::to_string(port) : socket;
}

int connect_to(const Endpoint& endpoint) {
    const bool unix_socket = !endpoint.socket.empty();
    const int fd = ::socket(unix_socket ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail_errno("socket");
    }
    int rc = 0;
    if (unix_socket) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, endpoint.socket.c_str(), sizeof address.sun_path - 1);
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    } else {
        const sockaddr_in address = loopback(endpoint.port);
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (rc != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        fail_errno("cannot find a free TCP port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

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

double cpu_seconds_of(pid_t pid, std::optional<pid_t> thread) {
    // Fields 14 and 15 of /proc/PID/stat, counted after the command name, which may hold spaces.
    const std::string stat =
        read_text("/proc/" + std::to_string(pid) +
                  (thread ? "/task/" + std::to_string(*thread) : std::string()) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream fields(stat.substr(close + 2));
    std::string skip;
    for (int field = 3; field < 14; ++field) {
        fields >> skip;
    }
    double user = 0;
    double system = 0;
    fields >> user >> system;
    return (user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Server::Server(std::string name, const std::vector<std::string>& argv,
               const std::vector<std::string>& extra_env, const std::filesystem::path& log,
               const std::function<bool()>& ready)
    : m_name(std::move(name)) {
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
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = ::posix_spawn(&m_pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        errno = rc;
        fail_errno("cannot start " + argv[0]);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
        if (ready()) {
            return;
        }
        if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
            m_pid = -1;
            fail(m_name + " exited before it was ready:\n" + read_text(log));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    fail(m_name + " was not ready within 20 s:\n" + read_text(log));
}

Server::Server(std::string name, const std::vector<std::string>& argv,
               const std::vector<std::string>& extra_env, const std::filesystem::path& log,
               const Endpoint& endpoint)
    : Server(std::move(name), argv, extra_env, log, [&endpoint] {
          const int fd = connect_to(endpoint);
          if (fd >= 0) {
              ::close(fd);
          }
          return fd >= 0;
      }) {}

Server::~Server() {
    kill();
}

std::optional<int> Server::stop(std::chrono::seconds grace) {
    ::kill(m_pid, SIGTERM);
    const auto deadline = Clock::now() + grace;
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
            kill();
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m_pid = -1;
    return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : std::nullopt;
}

void Server::kill() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }
}

int exchange(const Endpoint& endpoint, const std::string& request, std::string* answer) {
    const int fd = connect_to(endpoint);
    if (fd < 0) {
        fail("cannot connect to " + endpoint.to_string());
    }
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        ::close(fd);
        fail_errno("send");
    }
    std::string in;
    char buffer[16 * 1024];
    int status = 0;
    std::size_t size = 0;
    while ((size = complete_response(in, status)) == 0) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            ::close(fd);
            fail(endpoint.to_string() + " closed the connection before answering");
        }
        in.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (answer != nullptr) {
        *answer = in.substr(0, size);
    }
    return status;
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

Result run_load(const Endpoint& endpoint, const Load& load) {
    const std::string fixed_request = load.request ? std::string() : rpc_request(load.body);
    std::uint64_t next_number = 0;
    auto send_request = [&](Connection& c) {
        c.number = next_number++;
        const std::string built = load.request ? load.request(c.number) : std::string();
        const std::string& request = load.request ? built : fixed_request;
        c.sent = Clock::now();
        if (::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(request.size())) {
            fail_errno("send");
        }
    };

    const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
        fail_errno("epoll_create1");
    }
    std::vector<Connection> connections(static_cast<std::size_t>(load.clients));
    for (auto& c : connections) {
        c.fd = connect_to(endpoint);
        if (c.fd < 0) {
            fail("cannot connect to " + endpoint.to_string());
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
        send_request(c);
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
            const std::string_view answer(c.in.data(), size);
            const bool good =
                status == load.status && answer.find(load.expect) != std::string_view::npos;
            if (good && load.keep_good) {
                result.good.push_back(c.number);
            }
            if (c.sent >= measure_from && now < end) {
                latencies.push_back(static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.sent).count()));
                if (!good) {
                    ++result.errors;
                    if (result.first_error.empty()) {
                        result.first_error = std::string(answer);
                    }
                }
            }
            c.in.erase(0, size);
            if (now < end) {
                send_request(c);
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

} // namespace forgebot::bench
