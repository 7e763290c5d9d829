// A fake sidecar and a scripted client for the MCP server's unit tests.
#pragma once

#include "mcp/server.hpp"
#include "sidecar/client.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace forgebot::testing {

/// A sidecar that records each call and answers with `answer` (default: `{"ok": true}`).
class FakeSidecar final : public sidecar::Caller {
public:
    sidecar::CallReply call(const std::string& method, const nlohmann::json& params) override {
        calls.emplace_back(method, params);
        if (answer) {
            return answer(method, params);
        }
        return {nlohmann::json{{"ok", true}}, nullptr};
    }

    std::vector<std::pair<std::string, nlohmann::json>> calls;
    std::function<sidecar::CallReply(const std::string&, const nlohmann::json&)> answer;
};

/// The one message `server` answers `message` with.
inline nlohmann::json answer_to(mcp::Server& server, const nlohmann::json& message) {
    const auto lines = server.handle_line(message.dump());
    REQUIRE(lines.size() == 1);
    return nlohmann::json::parse(lines.front());
}

/// A request with `id`, `method` and, unless null, `params`.
inline nlohmann::json request(nlohmann::json id, const std::string& method,
                              nlohmann::json params = nullptr) {
    nlohmann::json out = {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"method", method}};
    if (!params.is_null()) {
        out["params"] = std::move(params);
    }
    return out;
}

/// The params of an `initialize` asking for `version`.
inline nlohmann::json initialize_params(const std::string& version) {
    return {{"protocolVersion", version},
            {"capabilities", nlohmann::json::object()},
            {"clientInfo", {{"name", "test-client"}, {"version", "1.0"}}}};
}

/// Runs the handshake at `version` on `server` and returns the initialize result.
inline nlohmann::json handshake(mcp::Server& server, const std::string& version) {
    const auto reply = answer_to(server, request(0, "initialize", initialize_params(version)));
    REQUIRE(reply.contains("result"));
    CHECK(server.handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").empty());
    return reply["result"];
}

/// A `tools/call` of `tool` with `arguments`.
inline nlohmann::json tool_call(nlohmann::json id, const std::string& tool,
                                nlohmann::json arguments) {
    return request(std::move(id), "tools/call",
                   {{"name", tool}, {"arguments", std::move(arguments)}});
}

} // namespace forgebot::testing
