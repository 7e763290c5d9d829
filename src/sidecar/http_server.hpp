// An HTTP/1.1 server on a Unix socket (Boost.Beast): keep-alive, body and time limits, graceful
// stop. Knows nothing of JSON-RPC; the handler decides what each request means.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace forgebot::sidecar {

/// One request as the handler sees it.
struct HttpRequest {
    std::string method; ///< "GET", "POST", ...
    std::string target; ///< path and query as sent, e.g. "/rpc"
    std::string body;
};

/// The handler's answer. An empty body with status 204 sends no body.
struct HttpResponse {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers; ///< extra headers, e.g. Allow
};

/// Sends the response for one request; call exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;

/// Handles one request. Runs on the server's I/O thread: answer at once for cheap work, or hand
/// the responder to another thread for work that may block. Must not throw.
using HttpHandler = std::function<void(HttpRequest, Responder)>;

/// Limits that keep one client from starving the others.
struct ServerLimits {
    std::size_t max_body = 1024 * 1024;               ///< larger bodies get 413
    std::size_t max_header = 16 * 1024;               ///< larger headers get 431
    std::chrono::milliseconds read_timeout{30'000};   ///< to receive a whole request once begun
    std::chrono::milliseconds idle_timeout{120'000};  ///< keep-alive wait for the next request
    std::chrono::milliseconds shutdown_grace{10'000}; ///< for requests in flight at stop()
    std::size_t max_connections = 512;                ///< beyond this, new connections get 503
};

/// Binds `socket_path` and serves until stop().
///
/// Binding: the path must fit sockaddr_un (Error{Errc::usage} naming the limit otherwise); a
/// missing parent directory is created mode 0700; the socket is created mode 0600; a stale
/// socket (nothing accepts on it) is replaced; a live one is left alone and
/// Error{Errc::unavailable} is thrown; a path that exists and is not a socket is refused
/// (Error{Errc::usage}).
class UnixHttpServer {
public:
    UnixHttpServer(const std::filesystem::path& socket_path, HttpHandler handler,
                   ServerLimits limits = {});
    ~UnixHttpServer();
    UnixHttpServer(const UnixHttpServer&) = delete;
    UnixHttpServer& operator=(const UnixHttpServer&) = delete;

    /// Serves on the calling thread until stop() has finished: accepting stopped, requests in
    /// flight answered (or the grace period over), the socket file removed.
    void run();

    /// Asks run() to finish. Thread-safe; idempotent.
    void stop();

    /// Calls `on_signal(signal_number)` on the server thread when SIGTERM or SIGINT arrives
    /// (those signals are then handled by the server, not the default action). Call before run().
    void on_signals(std::function<void(int)> on_signal);

    const std::filesystem::path& socket_path() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// The longest socket path the platform allows (sizeof sun_path minus the terminator).
std::size_t max_socket_path();

} // namespace forgebot::sidecar
