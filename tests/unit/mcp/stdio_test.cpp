// The stdio transport: one message a line in, one answer a line out, until end of input.
#include "mcp/stdio.hpp"
#include "unit/mcp/mcp_test_support.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using namespace forgebot::testing;
using nlohmann::json;

TEST_CASE("serve answers each request on its own line and returns at end of input",
          "[mcp][stdio]") {
    FakeSidecar sidecar;
    forgebot::mcp::Server server(sidecar, {"forgebot", "1"});
    std::istringstream in(request(1, "initialize", initialize_params("2025-06-18")).dump() + "\n" +
                          R"({"jsonrpc":"2.0","method":"notifications/initialized"})" + "\r\n" +
                          "\n" + tool_call(2, "forge_push_branch", json::object()).dump() + "\n" +
                          "oops\n" + request(3, "ping").dump());
    std::ostringstream out;
    forgebot::mcp::serve(server, in, out);
    std::istringstream lines(out.str());
    std::vector<json> answers;
    for (std::string line; std::getline(lines, line);) {
        answers.push_back(json::parse(line));
    }
    REQUIRE(answers.size() == 4);
    CHECK(answers[0]["id"] == 1);
    CHECK(answers[1]["id"] == 2);
    CHECK(answers[1]["result"]["structuredContent"] == json{{"ok", true}});
    CHECK(answers[2]["error"]["code"] == -32700);
    // The last line has no newline and is still answered.
    CHECK(answers[3] == json{{"jsonrpc", "2.0"}, {"id", 3}, {"result", json::object()}});
    CHECK(out.str().back() == '\n');
    CHECK(server.client_ready());
    CHECK(sidecar.calls.size() == 1);
}
