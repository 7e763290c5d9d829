// JSON-RPC over the real sidecar: every error code, ids, notifications and batches, as a client
// on the socket sees them.
#include "integration/sidecar_fixture.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <fstream>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

/// POSTs a raw body to /rpc and returns the HTTP answer.
HttpReply post_rpc(const SidecarProcess& sidecar, const std::string& body) {
    UnixHttpClient client(sidecar.socket());
    return client.request("POST", "/rpc", body);
}

/// The error object of a one-request answer, checking the envelope around it.
json rpc_error(const SidecarProcess& sidecar, const std::string& body) {
    const HttpReply reply = post_rpc(sidecar, body);
    REQUIRE(reply.status == 200);
    const json answer = reply.json();
    REQUIRE(answer.is_object());
    CHECK(answer["jsonrpc"] == "2.0");
    CHECK_FALSE(answer.contains("result"));
    REQUIRE(answer.contains("error"));
    CHECK(answer["error"]["message"].is_string());
    return answer;
}

/// A loopback TCP port with nothing listening on it.
std::uint16_t closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

} // namespace

TEST_CASE("The sidecar answers a body that is not JSON with -32700 and a null id", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    for (const std::string body : {"{\"jsonrpc\":", "not json", "{\"id\":1,}", "\xff\xfe"}) {
        const json answer = rpc_error(f.sidecar, body);
        CHECK(answer["error"]["code"] == -32700);
        CHECK(answer["id"].is_null());
    }
}

TEST_CASE("The sidecar answers malformed requests and an empty batch with -32600", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();

    struct Case {
        std::string body;
        json id;
    };
    const std::vector<Case> cases{
        {R"({"jsonrpc":"1.0","method":"ping","id":1})", 1},
        {R"({"method":"ping","id":"x"})", "x"},
        {R"({"jsonrpc":"2.0","id":2})", 2},
        {R"({"jsonrpc":"2.0","method":7,"id":3})", 3},
        {R"({"jsonrpc":"2.0","method":"ping","params":"x","id":4})", 4},
        {R"({"jsonrpc":"2.0","method":"ping","id":{"a":1}})", nullptr},
        {R"({"jsonrpc":"2.0","method":"ping","id":[1]})", nullptr},
        {R"("ping")", nullptr},
        {R"(42)", nullptr},
        {R"([])", nullptr},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        const json answer = rpc_error(f.sidecar, c.body);
        CHECK(answer["error"]["code"] == -32600);
        CHECK(answer["id"] == c.id);
    }
    // An empty batch is one error object, not an array.
    CHECK(rpc_error(f.sidecar, "[]")["error"]["message"] == "invalid request: empty batch");
}

TEST_CASE("The sidecar answers an unknown method with -32601", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const json answer = rpc_error(f.sidecar, rpc_request("merge_pr", {{"number", 42}}).dump());
    CHECK(answer["error"]["code"] == -32601);
    CHECK(answer["error"]["message"] == "method not found: merge_pr");
    CHECK(answer["id"] == 1);
    CHECK(f.forge.requests().empty());
}

TEST_CASE("The sidecar answers missing or ill-typed params with -32602", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const std::vector<json> requests{
        rpc_request("read_issue"),
        rpc_request("read_issue", {{"number", "17"}}),
        rpc_request("read_pr", {{"number", 0}}),
        rpc_request("read_comments", {{"number", -3}}),
        rpc_request("post_comment", {{"number", 17}}),
        rpc_request("post_comment", {{"number", 17}, {"body", 5}}),
        rpc_request("update_description", {{"body", "x"}}),
        rpc_request("open_pr", {{"body", "x"}}),
        rpc_request("signal_done", {{"status", "done"}, {"summary", "x"}}),
        rpc_request("signal_done", {{"status", "success"}}),
        rpc_request("read_issue", json::array({17})),
    };
    for (const auto& request : requests) {
        INFO(request.dump());
        const json answer = rpc_error(f.sidecar, request.dump());
        CHECK(answer["error"]["code"] == -32602);
        CHECK_THAT(answer["error"]["message"].get<std::string>(),
                   Catch::StartsWith("invalid params: "));
    }
    CHECK(f.forge.requests().empty());
}

TEST_CASE("The sidecar answers an out-of-scope write with -32001 and the writable set",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    for (const auto& [method, number] : std::vector<std::pair<std::string, int>>{
             {"post_comment", 5}, {"update_description", 60}, {"post_comment", 43}}) {
        const json answer =
            rpc_error(f.sidecar, rpc_request(method, {{"number", number}, {"body", "x"}}).dump());
        CHECK(answer["error"]["code"] == -32001);
        CHECK(answer["error"]["message"] ==
              "write to #" + std::to_string(number) +
                  " denied: out of assigned scope (writable: 17, 42)");
        CHECK(answer["error"]["data"] == json{{"writable", {17, 42}}});
    }
    CHECK(f.forge_writes() == 0);
}

TEST_CASE("The sidecar answers a forge refusal with -32002, the status and the forge's message",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();

    f.forge.add_fault(failing("POST", "/repos/o/r/issues/17/comments", 422,
                              R"({"message":"comment body is too long"})"));
    json answer =
        rpc_error(f.sidecar, rpc_request("post_comment", {{"number", 17}, {"body", "x"}}).dump());
    CHECK(answer["error"]["code"] == -32002);
    CHECK(answer["error"]["data"]["status"] == 422);
    CHECK(answer["error"]["data"]["forge_message"] == "comment body is too long");
    CHECK_THAT(answer["error"]["message"].get<std::string>(),
               Catch::Contains("422") && Catch::Contains("comment body is too long"));

    f.forge.add_fault(
        failing("PATCH", "/repos/o/r/issues/42", 500, R"({"message":"database is locked"})"));
    answer = rpc_error(f.sidecar,
                       rpc_request("update_description", {{"number", 42}, {"body", "x"}}).dump());
    CHECK(answer["error"]["code"] == -32002);
    CHECK(answer["error"]["data"]["status"] == 500);
    CHECK(answer["error"]["data"]["forge_message"] == "database is locked");
    // A write is never repeated: it may have been applied.
    CHECK(f.forge.count("PATCH", "/repos/o/r/issues/42") == 1);
}

TEST_CASE("The sidecar answers a missing issue or PR with -32003", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    for (const std::string method : {"read_issue", "read_pr", "read_comments"}) {
        const json answer = rpc_error(f.sidecar, rpc_request(method, {{"number", 999}}).dump());
        CHECK(answer["error"]["code"] == -32003);
        CHECK_FALSE(answer["error"].contains("data"));
    }
    // Issue #5 is an issue, not a PR.
    CHECK(rpc_error(f.sidecar, rpc_request("read_pr", {{"number", 5}}).dump())["error"]["code"] ==
          -32003);
}

TEST_CASE("The sidecar answers an unreachable forge with -32004", "[sidecar]") {
    FakeForge unused(FakeForgeFlavor::gitea);
    TempDir root("/tmp", "fbt-");
    SidecarSettings settings;
    settings.api_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/api/v1";
    SidecarProcess sidecar(root.path(), settings);
    sidecar.start();
    const json answer =
        rpc_error(sidecar, rpc_request("post_comment", {{"number", 17}, {"body", "x"}}).dump());
    CHECK(answer["error"]["code"] == -32004);
    CHECK_THAT(answer["error"]["message"].get<std::string>(), Catch::Contains("cannot connect"));
}

TEST_CASE("The sidecar passes the forge's Retry-After on as data.retry_after with -32004",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    f.forge.add_fault(
        failing("POST", "/repos/o/r/issues/17/comments", 429, "", {{"Retry-After", "7"}}));
    const json answer =
        rpc_error(f.sidecar, rpc_request("post_comment", {{"number", 17}, {"body", "x"}}).dump());
    CHECK(answer["error"]["code"] == -32004);
    CHECK(answer["error"]["data"] == json{{"retry_after", 7}});

    // A 503 says the same: come back later.
    f.forge.add_fault(failing("PATCH", "/repos/o/r/issues/42", 503, "", {{"Retry-After", "30"}}));
    const json update = rpc_error(
        f.sidecar, rpc_request("update_description", {{"number", 42}, {"body", "x"}}).dump());
    CHECK(update["error"]["code"] == -32004);
    CHECK(update["error"]["data"] == json{{"retry_after", 30}});

    // A read that would have to wait longer than the client's longest retry gives up at once.
    f.forge.add_fault(failing("GET", "/repos/o/r/issues/17", 429, "", {{"Retry-After", "120"}}));
    const json read = rpc_error(f.sidecar, rpc_request("read_issue", {{"number", 17}}).dump());
    CHECK(read["error"]["code"] == -32004);
    CHECK(read["error"]["data"] == json{{"retry_after", 120}});
}

TEST_CASE("The sidecar answers -32603 without host details when it cannot queue an event",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    // new/ replaced by a file: delivery into it fails whatever the test's privileges.
    const auto new_dir = f.sidecar.queue_dir() / "new";
    std::filesystem::remove_all(new_dir);
    std::ofstream(new_dir) << "";
    const json answer = rpc_error(
        f.sidecar, rpc_request("signal_done", {{"status", "success"}, {"summary", "s"}}).dump());
    CHECK(answer["error"]["code"] == -32603);
    CHECK(answer["error"]["message"] == "cannot queue the done signal");
    CHECK(std::filesystem::is_empty(f.sidecar.queue_dir() / "tmp"));
    const auto lines = f.sidecar.audit_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "error");
}

TEST_CASE("The sidecar echoes the request id as given: string, number or null", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    for (const json& id : {json("abc"), json(""), json(7), json(0), json(-12),
                           json(9007199254740993LL), json(2.5), json(nullptr)}) {
        INFO(id.dump());
        const HttpReply reply = post_rpc(f.sidecar, rpc_request("ping", nullptr, id).dump());
        REQUIRE(reply.status == 200);
        const json answer = reply.json();
        REQUIRE(answer.contains("id"));
        CHECK(answer["id"] == id);
        CHECK(answer["result"] == "pong");
        // Errors echo it too.
        const json error = rpc_error(f.sidecar, rpc_request("nope", nullptr, id).dump());
        CHECK(error["id"] == id);
    }
    // The id's type survives: "7" stays a string.
    const HttpReply text_id = post_rpc(f.sidecar, R"({"jsonrpc":"2.0","method":"ping","id":"7"})");
    CHECK_THAT(text_id.body, Catch::Contains("\"id\":\"7\""));
}

TEST_CASE("The sidecar answers notifications with HTTP 204 and no body, and still runs them",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());

    HttpReply reply = client.request("POST", "/rpc", R"({"jsonrpc":"2.0","method":"ping"})");
    CHECK(reply.status == 204);
    CHECK(reply.body.empty());

    reply = client.request(
        "POST", "/rpc",
        R"({"jsonrpc":"2.0","method":"post_comment","params":{"number":17,"body":"quiet"}})");
    CHECK(reply.status == 204);
    CHECK(reply.body.empty());
    CHECK(f.forge.comments(17).back().body == "quiet");

    // Even a failing notification gets no answer.
    reply = client.request("POST", "/rpc", R"({"jsonrpc":"2.0","method":"no_such_method"})");
    CHECK(reply.status == 204);
    CHECK(reply.body.empty());

    // A batch of notifications only: nothing to answer.
    reply = client.request(
        "POST", "/rpc", R"([{"jsonrpc":"2.0","method":"ping"},{"jsonrpc":"2.0","method":"ping"}])");
    CHECK(reply.status == 204);
    CHECK(reply.body.empty());

    // The connection is still usable after 204s.
    CHECK(client.request("GET", "/health").status == 200);
}

TEST_CASE("The sidecar answers a mixed batch with an array of the answers, matched by id",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const json batch = json::array({
        rpc_request("ping", nullptr, "a"),
        rpc_request("read_issue", {{"number", 17}}, 2),
        json{{"jsonrpc", "2.0"},
             {"method", "post_comment"},
             {"params", {{"number", 17}, {"body", "from a batch"}}}},
        rpc_request("no_such_method", nullptr, 3),
        rpc_request("post_comment", {{"number", 500}, {"body", "x"}}, 4),
        rpc_request("read_issue", {{"number", 999}}, 5),
        1,
    });
    const HttpReply reply = post_rpc(f.sidecar, batch.dump());
    REQUIRE(reply.status == 200);
    const json answers = reply.json();
    REQUIRE(answers.is_array());
    REQUIRE(answers.size() == 6);

    std::map<std::string, json> by_id;
    for (const auto& answer : answers) {
        CHECK(answer["jsonrpc"] == "2.0");
        by_id[answer["id"].dump()] = answer;
    }
    REQUIRE(by_id.size() == 6);
    CHECK(by_id["\"a\""]["result"] == "pong");
    CHECK(by_id["2"]["result"]["title"] == "Crash on empty config");
    CHECK(by_id["3"]["error"]["code"] == -32601);
    CHECK(by_id["4"]["error"]["code"] == -32001);
    CHECK(by_id["5"]["error"]["code"] == -32003);
    CHECK(by_id["null"]["error"]["code"] == -32600);
    CHECK(f.forge.comments(17).back().body == "from a batch");
}
