// A small HTTP/1.1 client on a Unix socket for tests: sends raw bytes (half requests,
// pipelining) and parses the answers with Boost.Beast.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::testing {

/// One HTTP response as the client received it.
struct HttpReply {
    unsigned status = 0;
    std::map<std::string, std::string> headers; ///< lowercase names
    std::string body;
    bool keep_alive = false;

    /// The header's value, or "" when absent (`name` in lowercase).
    std::string header(const std::string& name) const;
    /// The body parsed as JSON; throws std::runtime_error naming the body when it is not JSON.
    nlohmann::json json() const;
};

/// The bytes of one HTTP/1.1 request with Host, Content-Length and, for a body,
/// Content-Type: application/json. `extra_headers` are whole lines without CRLF.
std::string http_request_bytes(std::string_view method, std::string_view target,
                               std::string_view body = {},
                               const std::vector<std::string>& extra_headers = {});

/// One connection. Every wait is bounded by the timeout; a wait that runs out throws
/// std::runtime_error. Not thread-safe (use one client per thread).
class UnixHttpClient {
public:
    /// Connects; throws std::runtime_error when nothing accepts on `socket`.
    explicit UnixHttpClient(const std::filesystem::path& socket,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~UnixHttpClient();
    UnixHttpClient(const UnixHttpClient&) = delete;
    UnixHttpClient& operator=(const UnixHttpClient&) = delete;

    /// Writes all of `bytes`; throws std::runtime_error when the peer is gone.
    void send(std::string_view bytes);

    /// Reads the next whole response (bytes after it stay buffered for the next call); for the
    /// answer to a HEAD request, pass `to_head` so no body is expected.
    /// Throws std::runtime_error on timeout, or when the connection ends first.
    HttpReply read_reply(bool to_head = false);

    /// send(http_request_bytes(...)) then read_reply(), which still reads the answer of a server
    /// that answered and closed before taking the whole request (e.g. 413).
    HttpReply request(std::string_view method, std::string_view target, std::string_view body = {});

    /// Waits up to `timeout` for the peer to close the connection with nothing more to read;
    /// false when it is still open (or sends data) when the time is up.
    bool closed_by_peer(std::chrono::milliseconds timeout);

private:
    /// Reads more bytes into m_pending; false at end of stream. Throws on timeout or error.
    bool fill();

    int m_fd = -1;
    std::chrono::milliseconds m_timeout;
    std::string m_pending;
};

/// POSTs `request` (serialised) to /rpc on a fresh connection and returns the parsed body.
/// Throws std::runtime_error when the answer is not HTTP 200 with a JSON body.
nlohmann::json rpc_call(const std::filesystem::path& socket, const nlohmann::json& request);

/// A JSON-RPC 2.0 request object with id 1.
nlohmann::json rpc_request(const std::string& method, nlohmann::json params = nullptr,
                           nlohmann::json id = 1);

} // namespace forgebot::testing
