// JSON-RPC 2.0 handling as a client sees it: results, errors, ids, notifications, batches.
#include "sidecar/jsonrpc.hpp"

#include <catch2/catch.hpp>

using forgebot::sidecar::Dispatcher;
using forgebot::sidecar::RpcError;
using nlohmann::json;

namespace {

Dispatcher make_dispatcher() {
    Dispatcher d;
    d.add(
        "echo", [](const json& params) { return params; }, false);
    d.add("fail", [](const json&) -> json { throw RpcError(-32001, "nope", {{"writable", {1}}}); });
    d.add("boom", [](const json&) -> json { throw std::runtime_error("secret host detail"); });
    return d;
}

json answer(const Dispatcher& d, const std::string& body) {
    const auto out = d.handle(std::string_view(body));
    REQUIRE(out.has_value());
    return json::parse(*out);
}

} // namespace

TEST_CASE("A request gets its result with the id echoed as given", "[sidecar][jsonrpc]") {
    const auto d = make_dispatcher();
    for (const json& id : {json("abc"), json(7), json(nullptr), json(2.5)}) {
        json request = {{"jsonrpc", "2.0"}, {"method", "echo"}, {"params", {{"a", 1}}}};
        request["id"] = id;
        const auto reply = answer(d, request.dump());
        CHECK(reply["jsonrpc"] == "2.0");
        CHECK(reply["id"] == id);
        CHECK(reply["result"] == json{{"a", 1}});
    }
}

TEST_CASE("Malformed JSON is a parse error with a null id", "[sidecar][jsonrpc]") {
    const auto reply = answer(make_dispatcher(), "{\"jsonrpc\": \"2.0\", \"method\"");
    CHECK(reply["error"]["code"] == -32700);
    CHECK(reply["id"].is_null());
}

TEST_CASE("Invalid requests are refused with -32600", "[sidecar][jsonrpc]") {
    const auto d = make_dispatcher();
    for (const char* body :
         {"[]", "1", "\"x\"", R"({"method":"echo","id":1})",
          R"({"jsonrpc":"1.0","method":"echo","id":1})", R"({"jsonrpc":"2.0","method":5,"id":1})",
          R"({"jsonrpc":"2.0","method":"echo","id":{}})",
          R"({"jsonrpc":"2.0","method":"echo","id":1,"params":"x"})"}) {
        INFO(body);
        CHECK(answer(d, body)["error"]["code"] == -32600);
    }
}

TEST_CASE("Unknown methods are -32601 and positional params -32602", "[sidecar][jsonrpc]") {
    const auto d = make_dispatcher();
    CHECK(answer(d, R"({"jsonrpc":"2.0","method":"nope","id":1})")["error"]["code"] == -32601);
    CHECK(answer(d, R"({"jsonrpc":"2.0","method":"echo","id":1,"params":[1]})")["error"]["code"] ==
          -32602);
}

TEST_CASE("An unknown method's name is echoed only in part", "[sidecar][jsonrpc]") {
    const json request = {{"jsonrpc", "2.0"}, {"method", std::string(100000, 'x')}, {"id", 1}};
    const auto reply = answer(make_dispatcher(), request.dump());
    CHECK(reply["error"]["code"] == -32601);
    CHECK(reply["error"]["message"].get<std::string>().size() < 100);
}

TEST_CASE("Handler errors carry their code and data; other exceptions stay generic",
          "[sidecar][jsonrpc]") {
    const auto d = make_dispatcher();
    const auto fail = answer(d, R"({"jsonrpc":"2.0","method":"fail","id":1})");
    CHECK(fail["error"]["code"] == -32001);
    CHECK(fail["error"]["data"]["writable"] == json{1});
    const auto boom = answer(d, R"({"jsonrpc":"2.0","method":"boom","id":1})");
    CHECK(boom["error"]["code"] == -32603);
    CHECK(boom.dump().find("secret") == std::string::npos);
}

TEST_CASE("Notifications get no answer, even in a batch", "[sidecar][jsonrpc]") {
    const auto d = make_dispatcher();
    CHECK_FALSE(d.handle(std::string_view(R"({"jsonrpc":"2.0","method":"echo"})")).has_value());
    CHECK_FALSE(d.handle(std::string_view(R"({"jsonrpc":"2.0","method":"nope"})")).has_value());
    CHECK_FALSE(d.handle(std::string_view(R"([{"jsonrpc":"2.0","method":"echo"}])")).has_value());
}

TEST_CASE("A batch answers each request and each invalid element", "[sidecar][jsonrpc]") {
    const auto reply = answer(make_dispatcher(), R"([
        {"jsonrpc":"2.0","method":"echo","params":{"n":1},"id":"a"},
        {"jsonrpc":"2.0","method":"echo"},
        1,
        {"jsonrpc":"2.0","method":"nope","id":"c"}])");
    REQUIRE(reply.is_array());
    REQUIRE(reply.size() == 3);
    CHECK(reply[0]["id"] == "a");
    CHECK(reply[1]["error"]["code"] == -32600);
    CHECK(reply[2]["error"]["code"] == -32601);
}

TEST_CASE("needs_worker is true only when a blocking method is named", "[sidecar][jsonrpc]") {
    const auto d = make_dispatcher();
    CHECK_FALSE(d.needs_worker(json::parse(R"({"jsonrpc":"2.0","method":"echo","id":1})")));
    CHECK(d.needs_worker(json::parse(R"({"jsonrpc":"2.0","method":"fail","id":1})")));
    CHECK(d.needs_worker(json::parse(
        R"([{"jsonrpc":"2.0","method":"echo","id":1},{"jsonrpc":"2.0","method":"boom","id":2}])")));
    CHECK_FALSE(d.needs_worker(json::parse(R"({"jsonrpc":"2.0","method":"nope","id":1})")));
}

TEST_CASE("int_param accepts only integers within int64", "[sidecar][jsonrpc]") {
    using forgebot::sidecar::int_param;
    CHECK(int_param(json{{"n", 17}}, "n") == 17);
    CHECK(int_param(json{{"n", -3}}, "n") == -3);
    for (const json& bad : {json("17"), json(17.0), json(17.5), json(true), json(nullptr),
                            json(18446744073709551615ULL)}) {
        INFO(bad.dump());
        CHECK_THROWS_AS(int_param(json{{"n", bad}}, "n"), RpcError);
    }
    CHECK_THROWS_AS(int_param(json::object(), "n"), RpcError);
}
