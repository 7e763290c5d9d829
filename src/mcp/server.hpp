// The Model Context Protocol server at the heart of `forgebot mcp`: one JSON-RPC message in,
// the messages to answer with out, the forge tools forwarded to the run's sidecar.
#pragma once

#include "sidecar/client.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::mcp {

/// The MCP error codes beyond JSON-RPC's own (sidecar/jsonrpc.hpp has those).
namespace mcp_code {
/// A request names a protocol version the server does not speak (the 2026-07-28 stateless
/// protocol's UnsupportedProtocolVersionError; data: `requested`, `supported`).
constexpr int unsupported_protocol_version = -32022;
} // namespace mcp_code

/// The protocol versions the server speaks, newest first.
std::span<const std::string_view> supported_versions();

/// How the server names itself in `initialize`.
struct ServerInfo {
    std::string name = "forgebot";
    std::string version;
};

/// One MCP session over a line transport (stdio): lifecycle (`initialize`, version negotiation,
/// `notifications/initialized`, `ping`), `tools/list` and `tools/call`. A tool call is checked
/// against the tool's input schema and then forwarded to the sidecar; what the sidecar answers,
/// errors included, becomes the tool result. Not thread-safe: one session, one thread.
class Server {
public:
    /// `sidecar` must outlive the server.
    Server(sidecar::Caller& sidecar, ServerInfo info);

    /// Answers one line of input (one JSON-RPC message, without its newline): the lines to
    /// write, each one JSON-RPC message without a newline; none for a notification, a response
    /// or a blank line. Never throws, whatever the line holds.
    std::vector<std::string> handle_line(std::string_view line);

    /// The version agreed in `initialize`, or std::nullopt before it.
    const std::optional<std::string>& protocol_version() const noexcept { return m_version; }

    /// Whether the client sent `notifications/initialized`.
    bool client_ready() const noexcept { return m_client_ready; }

private:
    nlohmann::json handle_message(const nlohmann::json& message);
    nlohmann::json handle_request(const nlohmann::json& id, const std::string& method,
                                  const nlohmann::json& params);
    void handle_notification(const std::string& method);
    nlohmann::json initialize(const nlohmann::json& id, const nlohmann::json& params);
    nlohmann::json list_tools(const nlohmann::json& id, const nlohmann::json& params) const;
    nlohmann::json call_tool(const nlohmann::json& id, const nlohmann::json& params);
    bool at_least(std::string_view version) const;

    sidecar::Caller& m_sidecar;
    ServerInfo m_info;
    std::optional<std::string> m_version;
    bool m_client_ready = false;
};

} // namespace forgebot::mcp
