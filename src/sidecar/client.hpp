// The client side of the sidecar: one JSON-RPC call over HTTP on the run's Unix socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace forgebot::forge {
class CurlTransport;
}

namespace forgebot::sidecar {

/// What the sidecar answered to one call: its result, or its JSON-RPC error object
/// (`code`, `message` and maybe `data`).
struct CallReply {
    std::optional<nlohmann::json> result;
    nlohmann::json error; ///< null when there is a result
};

/// Calls one method of a run's sidecar. The seam between the sidecar's users (`forgebot call`,
/// `forgebot mcp`) and the socket, so that their logic can be tested with a fake.
class Caller {
public:
    virtual ~Caller() = default;

    /// Sends `method` with `params` (an object) and returns the sidecar's answer. Throws
    /// Error{Errc::unavailable} when the sidecar cannot be reached or answers something that is
    /// not a JSON-RPC response, and Error{Errc::failure} when it refuses the request itself (an
    /// HTTP 4xx, such as a body over 1 MiB); both messages name the socket or the refusal.
    virtual CallReply call(const std::string& method, const nlohmann::json& params) = 0;
};

/// A Caller over the sidecar's Unix socket (`POST /rpc`), one request at a time through a kept
/// connection. Not thread-safe.
class SocketCaller final : public Caller {
public:
    /// Waits at most `timeout` for each answer. Does not connect until the first call.
    SocketCaller(std::filesystem::path socket, std::chrono::milliseconds timeout);
    ~SocketCaller() override;
    SocketCaller(const SocketCaller&) = delete;
    SocketCaller& operator=(const SocketCaller&) = delete;

    CallReply call(const std::string& method, const nlohmann::json& params) override;

    const std::filesystem::path& socket() const noexcept { return m_socket; }

private:
    std::filesystem::path m_socket;
    std::unique_ptr<forge::CurlTransport> m_transport;
    std::int64_t m_next_id = 1;
};

/// The sidecar socket to use: `option` when given, else `$FORGEBOT_SIDECAR_SOCKET`. Throws
/// Error{Errc::usage} when neither names one.
std::filesystem::path sidecar_socket(const std::string& option);

} // namespace forgebot::sidecar
