// `forgebot mcp` end to end: a scripted MCP client against the real binary, a live sidecar and
// the fake forge, every message it writes checked against the official MCP schemas.
#include "fakes/peers.hpp"
#include "integration/sidecar_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

using namespace forgebot::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path k_source = FORGEBOT_SOURCE_DIR;

/// The messages a `forgebot mcp` run printed, one per stdout line.
std::vector<json> messages(const RunResult& r) {
    std::vector<json> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        INFO(line);
        out.push_back(json::parse(line));
    }
    return out;
}

/// `lines` joined, each with its newline, as a client writes them.
std::string script(const std::vector<json>& lines) {
    std::string out;
    for (const auto& line : lines) {
        out += line.dump() + "\n";
    }
    return out;
}

json request(json id, const std::string& method, json params = nullptr) {
    json out = {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"method", method}};
    if (!params.is_null()) {
        out["params"] = std::move(params);
    }
    return out;
}

json initialize(json id, const std::string& version) {
    return request(std::move(id), "initialize",
                   {{"protocolVersion", version},
                    {"capabilities", json::object()},
                    {"clientInfo", {{"name", "mcp-test"}, {"version", "1.0"}}}});
}

json tool_call(json id, const std::string& tool, json arguments) {
    return request(std::move(id), "tools/call",
                   {{"name", tool}, {"arguments", std::move(arguments)}});
}

const json k_initialized = {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};

/// Checks every `{"def": NAME, "value": ...}` (or `{"schema": {...}, "value": ...}`) in `checks`
/// against the official schema `schema` with python3's jsonschema; a failure names the message.
void validate(const fs::path& schema, const json& checks) {
    RunOptions options;
    options.stdin_data = json{{"schema", schema.string()}, {"checks", checks}}.dump();
    options.timeout = std::chrono::seconds(60);
    const auto r = run_program(
        {"python3", (k_source / "tests/integration/mcp_schema_check.py").string()}, options);
    INFO("python3-jsonschema is needed (scripts/bootstrap installs it)\n" << r.err);
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "validated " + std::to_string(checks.size()) + "\n");
}

/// The checks of one session's output against `version`'s schema: each message as a JSON-RPC
/// message and a response or error, each result as what its request asks for, and each
/// structuredContent against the outputSchema its tool declared.
json session_checks(const std::string& version, const std::vector<json>& sent,
                    const std::vector<json>& received) {
    std::map<json, std::string> method_of;
    std::map<json, std::string> tool_of;
    for (const auto& message : sent) {
        if (message.contains("id")) {
            method_of[message["id"]] = message["method"];
            if (message["method"] == "tools/call") {
                tool_of[message["id"]] = message["params"]["name"];
            }
        }
    }
    std::map<std::string, json> output_schemas;
    const bool old = version == "2025-06-18";
    json checks = json::array();
    for (const auto& message : received) {
        checks.push_back({{"def", "JSONRPCMessage"}, {"value", message}});
        if (message.contains("error")) {
            checks.push_back(
                {{"def", old ? "JSONRPCError" : "JSONRPCErrorResponse"}, {"value", message}});
            continue;
        }
        checks.push_back(
            {{"def", old ? "JSONRPCResponse" : "JSONRPCResultResponse"}, {"value", message}});
        const std::string method = method_of.at(message["id"]);
        const auto& result = message["result"];
        if (method == "initialize") {
            checks.push_back({{"def", "InitializeResult"}, {"value", result}});
        } else if (method == "tools/list") {
            checks.push_back({{"def", "ListToolsResult"}, {"value", result}});
            for (const auto& tool : result["tools"]) {
                output_schemas[tool["name"]] = tool["outputSchema"];
            }
        } else if (method == "tools/call") {
            checks.push_back({{"def", "CallToolResult"}, {"value", result}});
            if (result.contains("structuredContent")) {
                checks.push_back({{"schema", output_schemas.at(tool_of.at(message["id"]))},
                                  {"value", result["structuredContent"]}});
            }
        } else {
            checks.push_back({{"def", "EmptyResult"}, {"value", result}});
        }
    }
    return checks;
}

/// The text of a tool result's single content block.
std::string text_of(const json& result) {
    REQUIRE(result["content"].size() == 1);
    return result["content"][0]["text"].get<std::string>();
}

} // namespace

TEST_CASE("A scripted MCP session through forgebot mcp works the issue and validates against "
          "the official schemas",
          "[mcp][integration]") {
    for (const std::string version : {"2025-06-18", "2025-11-25"}) {
        DYNAMIC_SECTION("protocol " << version) {
            PushFixture p;
            auto& f = p.f;
            f.sidecar.start();

            const std::vector<json> sent{
                initialize(1, version),
                k_initialized,
                request(2, "tools/list"),
                tool_call(3, "forge_read_issue", {{"number", 17}}),
                tool_call(4, "forge_read_pr", {{"number", 42}}),
                tool_call(5, "forge_read_comments", {{"number", 17}}),
                tool_call(6, "forge_post_comment", {{"number", 17}, {"body", "Working on it."}}),
                tool_call(7, "forge_update_description",
                          {{"number", 42}, {"body", "Fixes #17, now with a test."}}),
                tool_call(8, "forge_push_branch", json::object()),
                tool_call(9, "forge_open_pr", {{"title", "Fix the crash"}, {"body", "Fixes #17."}}),
                tool_call(10, "forge_signal_done",
                          {{"status", "success"}, {"summary", "Opened the PR."}}),
                tool_call(11, "forge_post_comment", {{"number", 5}, {"body", "not mine"}}),
                tool_call(12, "forge_read_issue", json::object()),
                tool_call(13, "forge_delete_repo", json::object()),
                request("last", "ping"),
            };
            auto options = f.sidecar.call_options();
            options.stdin_data = script(sent);
            options.timeout = std::chrono::seconds(60);
            options.env["FORGEBOT_SIDECAR_SOCKET"] = std::nullopt;
            const auto r = run_forgebot({"mcp", "--socket", f.sidecar.socket().string()}, options);
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const auto received = messages(r);
            REQUIRE(received.size() == sent.size() - 1); // the notification has no answer
            std::map<json, json> by_id;
            for (std::size_t i = 0; i < received.size(); ++i) {
                CHECK(received[i]["jsonrpc"] == "2.0");
                by_id[received[i]["id"]] = received[i];
            }
            // Answered in order.
            CHECK(received.front()["id"] == 1);
            CHECK(received.back()["id"] == "last");

            CHECK(by_id[1]["result"]["protocolVersion"] == version);
            CHECK(by_id[1]["result"]["capabilities"].contains("tools"));
            CHECK(by_id[2]["result"]["tools"].size() == 8);

            const auto issue = by_id[3]["result"];
            CHECK(issue["structuredContent"]["title"] == "Crash on empty config");
            CHECK(json::parse(text_of(issue)) == issue["structuredContent"]);
            CHECK(by_id[4]["result"]["structuredContent"]["head_branch"] == "fb/claude-ab3de");
            CHECK(by_id[5]["result"]["structuredContent"]["comments"].size() == 2);
            CHECK(by_id[6]["result"]["structuredContent"] == json{{"ok", true}});
            const auto comments = f.forge.comments(17);
            REQUIRE(comments.size() == 3);
            CHECK(comments.back().body == "Working on it.");
            CHECK(f.forge.issue(42)->body == "Fixes #17, now with a test.");
            CHECK(by_id[8]["result"]["structuredContent"]["commit"] == p.head);
            CHECK(f.forge.git_ref("refs/heads/" + p.branch) == p.head);
            const auto pr = by_id[9]["result"]["structuredContent"]["number"];
            REQUIRE(pr.is_number_integer());
            CHECK(f.forge.issue(pr.get<std::int64_t>())->head_branch == p.branch);
            CHECK(by_id[10]["result"]["structuredContent"]["ok"] == true);
            std::size_t queued = 0;
            for ([[maybe_unused]] const auto& e :
                 fs::directory_iterator(f.sidecar.queue_dir() / "new")) {
                ++queued;
            }
            CHECK(queued == 1);

            // The denied write: a tool result the model can read, refused by the sidecar.
            const auto denied = by_id[11]["result"];
            CHECK(denied["isError"] == true);
            CHECK_THAT(text_of(denied), Catch::Contains("#5") && Catch::Contains("denied") &&
                                            Catch::Contains("-32001"));
            CHECK(f.forge.comments(5).empty());
            const auto audit = f.sidecar.audit_lines();
            CHECK(std::any_of(audit.begin(), audit.end(), [](const json& line) {
                return line["method"] == "post_comment" && line["outcome"] == "denied";
            }));

            // Invalid arguments: refused before the sidecar, as each version says.
            if (version == "2025-06-18") {
                CHECK(by_id[12]["error"]["code"] == -32602);
            } else {
                CHECK(by_id[12]["result"]["isError"] == true);
                CHECK_THAT(text_of(by_id[12]["result"]), Catch::Contains("'number' is required"));
            }
            CHECK(by_id[13]["error"]["code"] == -32602);
            CHECK(by_id["last"]["result"] == json::object());
            CHECK(r.err.find(k_sidecar_test_token) == std::string::npos);
            CHECK(r.out.find(k_sidecar_test_token) == std::string::npos);

            if (const auto peers = peers_dir("MCP schema validation")) {
                validate(*peers / "mcp" / version / "schema.json",
                         session_checks(version, sent, received));
            }
        }
    }
}

TEST_CASE("forgebot mcp reports an unreachable sidecar as a tool error naming the socket",
          "[mcp][integration]") {
    TempDir work{"/tmp", "fbm-"};
    const auto socket = work.path() / "gone.sock";
    RunOptions options;
    options.env["FORGEBOT_SIDECAR_SOCKET"] = socket.string();
    options.timeout = std::chrono::seconds(30);
    options.stdin_data = script({initialize(1, "2025-11-25"), k_initialized,
                                 tool_call(2, "forge_read_issue", {{"number", 17}})});
    const auto r = run_forgebot({"mcp"}, options);
    REQUIRE(r.exit_code == 0);
    const auto received = messages(r);
    REQUIRE(received.size() == 2);
    CHECK(received[1]["result"]["isError"] == true);
    CHECK_THAT(text_of(received[1]["result"]), Catch::Contains(socket.string()));
    CHECK_THAT(r.err, Catch::Contains(socket.string()));
}

TEST_CASE("forgebot mcp without a socket is a usage error and writes nothing on stdout",
          "[mcp][integration]") {
    RunOptions options;
    options.env["FORGEBOT_SIDECAR_SOCKET"] = std::nullopt;
    options.timeout = std::chrono::seconds(30);
    const auto r = run_forgebot({"mcp"}, options);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("forgebot: error: no sidecar socket"));
}

TEST_CASE("Malformed input never stops forgebot mcp, and its refusals are MCP messages",
          "[mcp][integration]") {
    RunOptions options;
    options.env["FORGEBOT_SIDECAR_SOCKET"] = "/nonexistent/forgebot-mcp-test.sock";
    options.timeout = std::chrono::seconds(30);
    options.stdin_data =
        "not json\n[" + request(1, "ping").dump() + "]\n{}\n" + std::string(100000, '[') + "\n\n" +
        initialize(2, "2025-11-25").dump() +
        "\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":5}\n" +
        request(4, "ping").dump(); // no newline at the end
    const auto r = run_forgebot({"mcp"}, options);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto received = messages(r);
    REQUIRE(received.size() == 7);
    CHECK(received[0]["error"]["code"] == -32700);
    CHECK(received[1]["error"]["code"] == -32600);
    CHECK(received[2]["error"]["code"] == -32600);
    CHECK(received[3]["error"]["code"] == -32700);
    CHECK(received[4]["id"] == 2);
    CHECK(received[5]["error"]["code"] == -32602);
    CHECK(received[6]["result"] == json::object());
    if (const auto peers = peers_dir("MCP schema validation")) {
        json checks = json::array();
        for (const auto& message : received) {
            checks.push_back({{"def", "JSONRPCMessage"}, {"value", message}});
        }
        validate(*peers / "mcp" / "2025-11-25" / "schema.json", checks);
    }
}

TEST_CASE("The official 2026-07-28 example requests are accepted or refused as the spec says",
          "[mcp][integration]") {
    const auto peers = peers_dir("MCP 2026-07-28 example requests");
    if (!peers) {
        return;
    }
    const fs::path examples = *peers / "mcp" / "2026-07-28" / "examples";
    std::vector<json> requests;
    std::vector<std::string> names;
    for (const auto& dir : fs::directory_iterator(examples)) {
        const std::string name = dir.path().filename().string();
        if (!name.ends_with("Request")) {
            continue;
        }
        for (const auto& file : fs::directory_iterator(dir.path())) {
            std::ifstream in(file.path());
            requests.push_back(json::parse(in));
            names.push_back(name);
        }
    }
    REQUIRE(std::count(names.begin(), names.end(), "CallToolRequest") == 1);
    REQUIRE(std::count(names.begin(), names.end(), "ListToolsRequest") == 1);
    // The params examples of tool requests, as requests.
    auto params_of = [&](const std::string& dir) {
        std::vector<json> out;
        for (const auto& file : fs::directory_iterator(examples / dir)) {
            std::ifstream in(file.path());
            out.push_back(json::parse(in));
        }
        return out;
    };
    int next_id = 1000;
    for (const auto& params : params_of("CallToolRequestParams")) {
        requests.push_back(request(next_id++, "tools/call", params));
        names.emplace_back("CallToolRequestParams");
    }
    for (const auto& params : params_of("PaginatedRequestParams")) {
        requests.push_back(request(next_id++, "tools/list", params));
        names.emplace_back("PaginatedRequestParams");
    }
    json ping = request("ping-2026", "ping", requests.front()["params"]);
    ping["params"].erase("name");
    ping["params"].erase("arguments");
    requests.push_back(ping);
    names.emplace_back("PingRequest");

    // Once before initialize (stateless 2026 clients) and once after a 2025-11-25 handshake.
    std::vector<json> sent = requests;
    sent.push_back(initialize("init", "2025-11-25"));
    sent.push_back(k_initialized);
    sent.insert(sent.end(), requests.begin(), requests.end());
    RunOptions options;
    options.env["FORGEBOT_SIDECAR_SOCKET"] = "/nonexistent/forgebot-mcp-test.sock";
    options.timeout = std::chrono::seconds(30);
    options.stdin_data = script(sent);
    const auto r = run_forgebot({"mcp"}, options);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto received = messages(r);

    // Client-bound examples (sampling, elicitation) have neither id nor jsonrpc: not JSON-RPC
    // requests, so each gets -32600 without an id.
    auto answered = [](const json& message) {
        return message.contains("id") || !message.contains("jsonrpc");
    };
    const auto per_round = std::count_if(requests.begin(), requests.end(), answered);
    REQUIRE(received.size() == static_cast<std::size_t>(2 * per_round + 1));
    std::size_t at = 0;
    json unsupported_errors = json::array();
    for (int round = 0; round < 2; ++round) {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            if (!answered(requests[i])) {
                continue;
            }
            const auto& answer = received[at++];
            const auto& name = names[i];
            const std::string method = requests[i]["method"];
            INFO("round " << round << ": " << name << " " << requests[i].dump());
            INFO(answer.dump());
            CHECK(answer.value("id", json(nullptr)) == requests[i].value("id", json(nullptr)));
            if (!requests[i].contains("jsonrpc")) {
                CHECK(answer["error"]["code"] == -32600);
            } else if (method == "ping") {
                CHECK(answer["result"] == json::object());
            } else if (round == 0) {
                const bool names_version = requests[i]["params"].contains("_meta");
                CHECK(answer["error"]["code"] == (names_version ? -32022 : -32600));
                if (names_version) {
                    CHECK(answer["error"]["data"]["requested"] == "2026-07-28");
                    CHECK(answer["error"]["data"]["supported"].front() == "2025-11-25");
                    unsupported_errors.push_back(
                        {{"def", "UnsupportedProtocolVersionError"}, {"value", answer}});
                }
            } else if (name == "ListToolsRequest") {
                CHECK(answer["result"]["tools"].size() == 8);
            } else if (name == "CallToolRequest" || name == "CallToolRequestParams") {
                CHECK(answer["error"]["code"] == -32602);
                CHECK_THAT(answer["error"]["message"].get<std::string>(),
                           Catch::StartsWith("unknown tool: "));
            } else if (name == "PaginatedRequestParams") {
                CHECK(answer["error"]["code"] == -32602);
            } else {
                CHECK(answer["error"]["code"] == -32601);
            }
        }
        if (round == 0) {
            CHECK(received[at++]["result"]["protocolVersion"] == "2025-11-25");
        }
    }
    // Refusals speak the 2026 protocol's error; everything is a 2025-11-25 message.
    validate(*peers / "mcp" / "2026-07-28" / "schema.json", unsupported_errors);
    json checks = json::array();
    for (const auto& message : received) {
        checks.push_back({{"def", "JSONRPCMessage"}, {"value", message}});
    }
    validate(*peers / "mcp" / "2025-11-25" / "schema.json", checks);
}
