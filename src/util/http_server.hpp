// HTTP/1.1 servers on a Unix socket or a TCP port (Boost.Beast): keep-alive, body, header and time
// limits, graceful stop. They know nothing of the protocol on top; the handler decides what each
// request means.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forgebot::util {

/// One request as the handler sees it. Rationale: headers come last, with an initialiser, so that
/// `{method, target, body}` still makes a request (tests and fuzz targets build them that way).
struct HttpRequest {
    std::string method;                                         ///< "GET", "POST", ...
    std::string target;                                         ///< path and query as sent
    std::string body;                                           ///< the exact bytes received
    std::vector<std::pair<std::string, std::string>> headers{}; ///< in order, names as sent

    /// The value of the first header named `name` (compared case-insensitively), or "" when
    /// there is none.
    std::string header(std::string_view name) const;
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
/// the responder to another thread for work that may block. Must not throw (a handler that does
/// gets its request answered 500 and the error logged).
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

namespace detail {
class ServerCore;
} // namespace detail

/// What every server does once bound: serve on one I/O thread, stop gracefully, hook signals.
/// Malformed requests get 400, oversized ones 413 or 431, and a connection beyond
/// max_connections 503; none of these reach the handler.
class HttpServer {
public:
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Serves on the calling thread until stop() has finished: accepting stopped, requests in
    /// flight answered (or the grace period over), the listening socket closed.
    void run();

    /// Asks run() to finish. Thread-safe; idempotent.
    void stop();

    /// Runs `work` on the server's thread after the handlers already waiting to run there (those
    /// of the other requests that arrived with the current one), so that a handler can finish
    /// requests that arrived together in one go. Thread-safe. Work still waiting when serving
    /// ends is dropped.
    void post(std::function<void()> work);

    /// Calls `on_signal(signal_number)` on the server thread when SIGTERM or SIGINT arrives
    /// (those signals are then handled by the server, not the default action). Call before run().
    void on_signals(std::function<void(int)> on_signal);

protected:
    explicit HttpServer(std::unique_ptr<detail::ServerCore> core);
    /// Ends serving at once if run() has not finished (connections closed, nothing answered).
    ~HttpServer();

    detail::ServerCore& core() const noexcept { return *m_core; }

private:
    std::unique_ptr<detail::ServerCore> m_core;
};

/// An HttpServer on a Unix socket, which it binds at construction and removes when it stops.
///
/// Binding: the path must fit sockaddr_un (Error{Errc::usage} naming the limit otherwise); a
/// missing parent directory is created mode 0700; the socket is created mode 0600; a stale
/// socket (nothing accepts on it) is replaced; a live one is left alone and
/// Error{Errc::unavailable} is thrown; a path that exists and is not a socket is refused
/// (Error{Errc::usage}); any other failure to listen is Error{Errc::io}.
class UnixHttpServer final : public HttpServer {
public:
    UnixHttpServer(const std::filesystem::path& socket_path, HttpHandler handler,
                   ServerLimits limits = {});

    const std::filesystem::path& socket_path() const noexcept { return m_socket_path; }

private:
    std::filesystem::path m_socket_path;
};

/// An HttpServer on a TCP port, which it binds at construction.
///
/// `listen_address` is parsed by parse_listen_address (Error{Errc::usage} when malformed); a host
/// name is resolved and its first address used. Failure to resolve or to listen (the port in use,
/// an address not on this machine) is Error{Errc::unavailable} naming the address and the reason.
class TcpHttpServer final : public HttpServer {
public:
    TcpHttpServer(std::string_view listen_address, HttpHandler handler, ServerLimits limits = {});

    /// The port bound: the one asked for, or the one the system chose for port 0.
    std::uint16_t port() const noexcept { return m_port; }

private:
    std::uint16_t m_port = 0;
};

/// An `ADDR:PORT` listen address taken apart.
struct ListenAddress {
    std::string host; ///< an IPv4 or IPv6 address (without brackets) or a host name
    std::uint16_t port = 0;
};

/// Parses `ADDR:PORT`, where ADDR is an IPv4 address, a host name or a bracketed IPv6 address
/// (`127.0.0.1:8765`, `localhost:8765`, `[::1]:8765`) and PORT is 0-65535 (0: any free port).
/// Throws Error{Errc::usage} quoting `text` when it is not of that form.
ListenAddress parse_listen_address(std::string_view text);

/// The longest socket path the platform allows (sizeof sun_path minus the terminator).
std::size_t max_socket_path();

} // namespace forgebot::util
