// The MCP server as a client sees it: lifecycle, version negotiation, tools, and every error.
#include "mcp/server.hpp"
#include "unit/mcp/mcp_test_support.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>

using forgebot::mcp::Server;
using forgebot::sidecar::CallReply;
using namespace forgebot::testing;
using nlohmann::json;

namespace {

const forgebot::mcp::ServerInfo k_info{"forgebot", "9.9.9"};

/// The error code of `reply`, which must be an error.
int error_code(const json& reply) {
    REQUIRE(reply.contains("error"));
    return reply["error"]["code"].get<int>();
}

/// The text of a tool result's single content block.
std::string result_text(const json& result) {
    REQUIRE(result["content"].size() == 1);
    CHECK(result["content"][0]["type"] == "text");
    return result["content"][0]["text"].get<std::string>();
}

} // namespace

TEST_CASE("initialize answers with the client's version when it is supported", "[mcp][lifecycle]") {
    for (const char* version : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
        FakeSidecar sidecar;
        Server server(sidecar, k_info);
        INFO(version);
        const auto reply = answer_to(server, request(1, "initialize", initialize_params(version)));
        CHECK(reply["jsonrpc"] == "2.0");
        CHECK(reply["id"] == 1);
        const auto& result = reply["result"];
        CHECK(result["protocolVersion"] == version);
        CHECK(result["capabilities"] == json{{"tools", {{"listChanged", false}}}});
        CHECK(result["serverInfo"]["name"] == "forgebot");
        CHECK(result["serverInfo"]["version"] == "9.9.9");
        CHECK(result["instructions"].get<std::string>().find("forge_signal_done") !=
              std::string::npos);
        CHECK(server.protocol_version() == version);
        CHECK_FALSE(server.client_ready());
        CHECK(server.handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})")
                  .empty());
        CHECK(server.client_ready());
    }
}

TEST_CASE("initialize with an unknown version answers with the newest supported",
          "[mcp][lifecycle]") {
    for (const char* version : {"2099-01-01", "2026-07-28", "1.0", ""}) {
        FakeSidecar sidecar;
        Server server(sidecar, k_info);
        INFO(version);
        const auto reply =
            answer_to(server, request("a", "initialize", initialize_params(version)));
        CHECK(reply["id"] == "a");
        CHECK(reply["result"]["protocolVersion"] == "2025-11-25");
        CHECK(forgebot::mcp::supported_versions().front() == "2025-11-25");
    }
}

TEST_CASE("initialize without a protocol version is -32602 and initializes nothing",
          "[mcp][lifecycle]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    CHECK(error_code(answer_to(server, request(1, "initialize", json::object()))) == -32602);
    CHECK(error_code(answer_to(
              server, request(2, "initialize", {{"protocolVersion", 20250618}}))) == -32602);
    CHECK_FALSE(server.protocol_version().has_value());
    CHECK(answer_to(server, request(3, "initialize", initialize_params("2025-06-18")))
              .contains("result"));
}

TEST_CASE("Requests before initialize are refused, except ping", "[mcp][lifecycle]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    const auto refused = answer_to(server, request(1, "tools/list"));
    CHECK(error_code(refused) == -32600);
    CHECK(refused["id"] == 1);
    CHECK_THAT(refused["error"]["message"].get<std::string>(), Catch::Contains("initialize"));
    CHECK(error_code(answer_to(server, tool_call(2, "forge_read_issue", {{"number", 17}}))) ==
          -32600);
    CHECK(error_code(answer_to(server, request(3, "no/such/method"))) == -32600);
    CHECK(sidecar.calls.empty());
    const auto pong = answer_to(server, request(4, "ping"));
    CHECK(pong == json{{"jsonrpc", "2.0"}, {"id", 4}, {"result", json::object()}});
    // A notification before initialize is not answered, and does not make the client ready.
    CHECK(server.handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").empty());
    CHECK_FALSE(server.client_ready());
}

TEST_CASE("A stateless request naming an unsupported version is -32022 with the supported list",
          "[mcp][lifecycle]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    const json meta = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                       {"io.modelcontextprotocol/clientCapabilities", json::object()}};
    const auto reply = answer_to(server, request("x", "tools/list", {{"_meta", meta}}));
    CHECK(reply["id"] == "x");
    CHECK(error_code(reply) == -32022);
    CHECK(reply["error"]["data"]["requested"] == "2026-07-28");
    CHECK(reply["error"]["data"]["supported"] ==
          json{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"});
    // Naming a supported version does not skip initialize.
    const json supported_meta = {{"io.modelcontextprotocol/protocolVersion", "2025-06-18"}};
    CHECK(error_code(answer_to(server, request(2, "tools/list", {{"_meta", supported_meta}}))) ==
          -32600);
}

TEST_CASE("A second initialize is refused and keeps the agreed version", "[mcp][lifecycle]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-06-18");
    CHECK(error_code(answer_to(
              server, request(5, "initialize", initialize_params("2025-11-25")))) == -32600);
    CHECK(server.protocol_version() == "2025-06-18");
}

TEST_CASE("Notifications and responses are never answered", "[mcp][jsonrpc]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-11-25");
    for (const char* line :
         {R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})",
          R"({"jsonrpc":"2.0","method":"notifications/roots/list_changed"})",
          R"({"jsonrpc":"2.0","method":"tools/call","params":{"name":"forge_push_branch"}})",
          R"({"jsonrpc":"2.0","method":"no/such/notification","params":[1]})",
          R"({"jsonrpc":"2.0","id":7,"result":{}})",
          R"({"jsonrpc":"2.0","id":8,"error":{"code":-1,"message":"x"}})", "", "   ", "\r"}) {
        INFO(line);
        CHECK(server.handle_line(line).empty());
    }
    // A notification-shaped tool call does not reach the sidecar.
    CHECK(sidecar.calls.empty());
}

TEST_CASE("Malformed messages get JSON-RPC errors, without an id when it is unusable",
          "[mcp][jsonrpc]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-06-18");
    struct Case {
        std::string line;
        int code;
        json id;
    };
    const std::vector<Case> cases{
        {R"({"jsonrpc":"2.0","id":1,"method")", -32700, nullptr},
        {"not json at all", -32700, nullptr},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\"}", -32700, nullptr},
        {R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", -32600, nullptr},
        {"[]", -32600, nullptr},
        {"42", -32600, nullptr},
        {R"("ping")", -32600, nullptr},
        {"null", -32600, nullptr},
        {R"({})", -32600, nullptr},
        {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", -32600, nullptr},
        {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", -32600, nullptr},
        {R"({"jsonrpc":"2.0","id":true,"method":"ping"})", -32600, nullptr},
        {R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", -32600, nullptr},
        {R"({"id":3,"method":"ping"})", -32600, 3},
        {R"({"jsonrpc":"1.0","id":3,"method":"ping"})", -32600, 3},
        {R"({"jsonrpc":"2.0","id":"s","method":7})", -32600, "s"},
        {R"({"jsonrpc":"2.0","method":7})", -32600, nullptr},
        {R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":[1,2]})", -32602, 4},
        {R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":"x"})", -32602, 4},
    };
    for (const auto& c : cases) {
        INFO(c.line);
        const auto lines = server.handle_line(c.line);
        REQUIRE(lines.size() == 1);
        const auto reply = json::parse(lines.front());
        CHECK(reply["jsonrpc"] == "2.0");
        CHECK(error_code(reply) == c.code);
        CHECK(reply.value("id", json(nullptr)) == c.id);
        CHECK(reply.contains("id") == !c.id.is_null());
        CHECK(reply["error"]["message"].is_string());
    }
    CHECK(sidecar.calls.empty());
}

TEST_CASE("The server answers any line without throwing, however deep or odd", "[mcp][jsonrpc]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-11-25");
    const std::string deep_array(100000, '[');
    const std::string deep_object = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":)" +
                                    std::string(50000, '[') + std::string(50000, ']') + "}";
    const std::string deep_arguments =
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"forge_read_issue",)"
        R"("arguments":{"number":)" +
        std::string(20000, '[') + std::string(20000, ']') + "}}}";
    const std::string long_method =
        R"({"jsonrpc":"2.0","id":3,"method":")" + std::string(1 << 20, 'm') + "\"}";
    for (const std::string& line :
         {deep_array, deep_object, deep_arguments, long_method, std::string("\0\0\0", 3),
          std::string(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})"),
          std::string(R"({"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping"})"),
          std::string(R"({"jsonrpc":"2.0","id":1e400,"method":"ping"})")}) {
        std::vector<std::string> out;
        CHECK_NOTHROW(out = server.handle_line(line));
        REQUIRE(out.size() == 1);
        CHECK(out.front().size() < 1000);
        CHECK_NOTHROW(json::parse(out.front()));
    }
    CHECK(sidecar.calls.empty());
}

TEST_CASE("Unknown methods are -32601, naming a short prefix of the method", "[mcp][jsonrpc]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-06-18");
    for (const char* method : {"resources/list", "prompts/list", "logging/setLevel",
                               "completion/complete", "server/discover", "tools/frobnicate"}) {
        INFO(method);
        const auto reply = answer_to(server, request(9, method));
        CHECK(error_code(reply) == -32601);
        CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains(method));
    }
    const auto reply = answer_to(server, request(9, std::string(500, 'x')));
    CHECK(error_code(reply) == -32601);
    CHECK(reply["error"]["message"].get<std::string>().size() < 100);
}

TEST_CASE("tools/list gives every forge tool with its schemas", "[mcp][tools]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-06-18");
    const auto reply = answer_to(server, request(2, "tools/list", json::object()));
    const auto& tools = reply["result"]["tools"];
    std::vector<std::string> names;
    for (const auto& tool : tools) {
        names.push_back(tool["name"].get<std::string>());
        CHECK(tool["inputSchema"]["type"] == "object");
        CHECK(tool["outputSchema"]["type"] == "object");
        CHECK(tool["title"].is_string());
        CHECK(tool["annotations"]["readOnlyHint"].is_boolean());
        CHECK_FALSE(tool["description"].get<std::string>().empty());
    }
    CHECK(names == std::vector<std::string>{"forge_read_issue", "forge_read_pr",
                                            "forge_read_comments", "forge_post_comment",
                                            "forge_update_description", "forge_push_branch",
                                            "forge_open_pr", "forge_signal_done"});
    CHECK(reply["result"].count("nextCursor") == 0);
    CHECK(tools[7]["inputSchema"]["properties"]["status"]["enum"] ==
          json{"success", "failure", "needs_human"});
    CHECK(tools[0]["inputSchema"]["required"] == json{"number"});
}

TEST_CASE("Older protocol versions get no titles, output schemas or structured content",
          "[mcp][tools]") {
    for (const char* version : {"2025-03-26", "2024-11-05"}) {
        INFO(version);
        FakeSidecar sidecar;
        sidecar.answer = [](const std::string&, const json&) {
            return CallReply{json{{"number", 17}, {"title", "t"}, {"body", ""}, {"state", "open"}},
                             nullptr};
        };
        Server server(sidecar, k_info);
        handshake(server, version);
        const auto tools = answer_to(server, request(2, "tools/list"))["result"]["tools"];
        CHECK(tools[0].count("outputSchema") == 0);
        CHECK(tools[0].count("title") == 0);
        CHECK(tools[0].count("annotations") == (std::string(version) == "2025-03-26" ? 1 : 0));
        const auto result =
            answer_to(server, tool_call(3, "forge_read_issue", {{"number", 17}}))["result"];
        CHECK(result.count("structuredContent") == 0);
        CHECK(json::parse(result_text(result))["title"] == "t");
        // Invalid arguments are a protocol error before 2025-11-25.
        CHECK(error_code(answer_to(server, tool_call(4, "forge_read_issue", json::object()))) ==
              -32602);
    }
}

TEST_CASE("tools/list with a cursor is -32602, as no cursor was ever given", "[mcp][tools]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-11-25");
    CHECK(error_code(answer_to(server, request(2, "tools/list", {{"cursor", "abc"}}))) == -32602);
}

TEST_CASE("A tool call reaches its sidecar method with the checked arguments", "[mcp][tools]") {
    FakeSidecar sidecar;
    sidecar.answer = [](const std::string& method, const json& params) -> CallReply {
        if (method == "read_issue") {
            return {json{{"number", params["number"]},
                         {"title", "Crash"},
                         {"body", "It crashes."},
                         {"state", "open"}},
                    nullptr};
        }
        if (method == "read_comments") {
            return {json::array({{{"id", 1}, {"user", "alice"}, {"body", "me too"}}}), nullptr};
        }
        return {json{{"ok", true}}, nullptr};
    };
    Server server(sidecar, k_info);
    handshake(server, "2025-06-18");

    const auto reply = answer_to(server, tool_call("c1", "forge_read_issue", {{"number", 17}}));
    CHECK(reply["id"] == "c1");
    const auto& result = reply["result"];
    const json issue = {
        {"number", 17}, {"title", "Crash"}, {"body", "It crashes."}, {"state", "open"}};
    CHECK(result["structuredContent"] == issue);
    CHECK(json::parse(result_text(result)) == issue);
    CHECK(result.value("isError", false) == false);

    const auto comments =
        answer_to(server, tool_call(2, "forge_read_comments", {{"number", 17.0}}))["result"];
    const json wrapped = {
        {"comments", json::array({{{"id", 1}, {"user", "alice"}, {"body", "me too"}}})}};
    CHECK(comments["structuredContent"] == wrapped);
    CHECK(json::parse(result_text(comments)) == wrapped);

    answer_to(server, tool_call(3, "forge_push_branch", json::object()));
    answer_to(server, request(4, "tools/call", {{"name", "forge_push_branch"}}));
    answer_to(server, tool_call(5, "forge_signal_done",
                                {{"status", "needs_human"}, {"summary", "which API?"}}));
    answer_to(server, tool_call(6, "forge_open_pr",
                                {{"title", "Fix"}, {"body", "Fixes #17"}, {"base", "main"}}));
    REQUIRE(sidecar.calls.size() == 6);
    CHECK(sidecar.calls[0] == std::pair<std::string, json>{"read_issue", {{"number", 17}}});
    // A whole float is sent as an integer, which the sidecar requires.
    CHECK(sidecar.calls[1].second["number"].is_number_integer());
    CHECK(sidecar.calls[2] == std::pair<std::string, json>{"push_branch", json::object()});
    CHECK(sidecar.calls[3] == std::pair<std::string, json>{"push_branch", json::object()});
    CHECK(sidecar.calls[4].first == "signal_done");
    CHECK(sidecar.calls[4].second == json{{"status", "needs_human"}, {"summary", "which API?"}});
    CHECK(sidecar.calls[5].second ==
          json{{"title", "Fix"}, {"body", "Fixes #17"}, {"base", "main"}});
}

TEST_CASE("A sidecar error is a tool result with isError and the sidecar's message",
          "[mcp][tools]") {
    FakeSidecar sidecar;
    sidecar.answer = [](const std::string&, const json&) {
        return CallReply{std::nullopt,
                         json{{"code", -32001},
                              {"message", "write to #500 denied: out of assigned scope"},
                              {"data", {{"writable", {17, 42}}}}}};
    };
    Server server(sidecar, k_info);
    handshake(server, "2025-06-18");
    const auto reply =
        answer_to(server, tool_call(1, "forge_post_comment", {{"number", 500}, {"body", "hi"}}));
    REQUIRE(reply.contains("result"));
    const auto& result = reply["result"];
    CHECK(result["isError"] == true);
    CHECK(result.count("structuredContent") == 0);
    CHECK(result_text(result) == "write to #500 denied: out of assigned scope (sidecar error "
                                 "-32001); details: {\"writable\":[17,42]}");
}

TEST_CASE("An unreachable sidecar is a tool result with isError naming the socket",
          "[mcp][tools]") {
    FakeSidecar sidecar;
    sidecar.answer = [](const std::string&, const json&) -> CallReply {
        throw forgebot::Error(forgebot::Errc::unavailable,
                              "cannot reach the sidecar at /run/fb/sock: connection refused");
    };
    Server server(sidecar, k_info);
    handshake(server, "2025-11-25");
    forgebot::util::set_log_level(forgebot::util::LogLevel::error); // the warning is expected
    const auto result =
        answer_to(server, tool_call(1, "forge_push_branch", json::object()))["result"];
    forgebot::util::set_log_level(forgebot::util::LogLevel::warn);
    CHECK(result["isError"] == true);
    CHECK_THAT(result_text(result), Catch::Contains("/run/fb/sock"));
}

TEST_CASE("Invalid arguments never reach the sidecar: -32602 under 2025-06-18", "[mcp][tools]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-06-18");
    const auto reply = answer_to(server, tool_call(1, "forge_read_issue", {{"number", "17"}}));
    CHECK(error_code(reply) == -32602);
    CHECK(reply["error"]["message"] ==
          "invalid arguments for forge_read_issue: 'number' must be an integer, not a string");
    CHECK(sidecar.calls.empty());
}

TEST_CASE("Invalid arguments never reach the sidecar: an isError result under 2025-11-25",
          "[mcp][tools]") {
    FakeSidecar sidecar;
    Server server(sidecar, k_info);
    handshake(server, "2025-11-25");
    const auto reply = answer_to(
        server, tool_call(1, "forge_signal_done", {{"status", "done"}, {"summary", "x"}}));
    REQUIRE(reply.contains("result"));
    CHECK(reply["result"]["isError"] == true);
    CHECK(result_text(reply["result"]) == "invalid arguments for forge_signal_done: 'status' must "
                                          "be one of success, failure, needs_human");
    CHECK(sidecar.calls.empty());
}

TEST_CASE("Unknown tools and malformed tools/call params are -32602 in every version",
          "[mcp][tools]") {
    for (const char* version : {"2025-06-18", "2025-11-25"}) {
        INFO(version);
        FakeSidecar sidecar;
        Server server(sidecar, k_info);
        handshake(server, version);
        const auto unknown = answer_to(server, tool_call(1, "get_weather", {{"location", "NYC"}}));
        CHECK(error_code(unknown) == -32602);
        CHECK(unknown["error"]["message"] == "unknown tool: get_weather");
        CHECK(error_code(answer_to(server, request(2, "tools/call", json::object()))) == -32602);
        CHECK(error_code(answer_to(server, request(3, "tools/call", {{"name", 5}}))) == -32602);
        CHECK(error_code(answer_to(
                  server, request(4, "tools/call",
                                  {{"name", "forge_read_issue"}, {"arguments", "17"}}))) == -32602);
        CHECK(sidecar.calls.empty());
    }
}
