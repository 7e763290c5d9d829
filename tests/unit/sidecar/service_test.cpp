// The sidecar's method table against a recording forge: scope, audit and the queue.
#include "fakes/recording_forge.hpp"
#include "fakes/temp_dir.hpp"
#include "sidecar/routes.hpp"
#include "sidecar/service.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace forgebot;
using nlohmann::json;

namespace {

struct Harness {
    testing::TempDir dir;
    testing::RecordingForge inner;
    forge::ScopedForge scoped{inner, 17};
    sidecar::QueueWriter queue{dir.path() / "queue"};
    sidecar::AuditLog audit{dir.path() / "audit.jsonl", std::nullopt};
    sidecar::Service service;

    Harness()
        : service(sidecar::RunScope{"claude-abcde", "owner", "repo", 17, "forgebot/17-abcde"},
                  scoped, queue, audit, nullptr,
                  [] { return *util::parse_utc("2026-11-21T10:00:00Z"); }) {
        scoped.allow(42);
    }

    json call(const std::string& method, const json& params) {
        const json request = {
            {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
        const auto out = service.dispatcher().handle(std::string_view(request.dump()));
        REQUIRE(out.has_value());
        return json::parse(*out);
    }

    std::vector<json> audit_lines() const {
        std::vector<json> lines;
        std::ifstream in(dir.path() / "audit.jsonl");
        for (std::string line; std::getline(in, line);) {
            lines.push_back(json::parse(line));
        }
        return lines;
    }
};

} // namespace

TEST_CASE("Service refuses a comment outside the assigned issue and audits the refusal",
          "[sidecar]") {
    Harness h;
    const auto reply = h.call("post_comment", {{"number", 500}, {"body", "hi"}});
    CHECK(reply["error"]["code"] == -32001);
    CHECK(reply["error"]["message"] ==
          "write to #500 denied: out of assigned scope (writable: 17, 42)");
    CHECK(reply["error"]["data"]["writable"] == json{17, 42});
    CHECK(h.inner.calls().empty());
    const auto lines = h.audit_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "denied");
    CHECK(lines[0]["target"] == 500);
    CHECK(lines[0]["summary"] == "denied comment to #500: out of scope");
}

TEST_CASE("Service posts a comment in scope and audits its size and hash, not its body",
          "[sidecar]") {
    Harness h;
    const std::string body = "a secret-looking review reply";
    const auto reply = h.call("post_comment", {{"number", 42}, {"body", body}});
    CHECK(reply["result"] == json{{"ok", true}});
    CHECK(h.inner.calls() == std::vector<std::string>{"post_comment 42"});
    const auto lines = h.audit_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "ok");
    CHECK(lines[0]["identity"] == "claude-abcde");
    CHECK(lines[0]["at"] == "2026-11-21T10:00:00Z");
    const std::string summary = lines[0]["summary"];
    CHECK_THAT(summary, Catch::StartsWith("posted comment to #42 (29 B, sha256 "));
    CHECK(summary.find(body) == std::string::npos);
}

TEST_CASE("Service reads any number and audits the read", "[sidecar]") {
    Harness h;
    CHECK(h.call("read_issue", {{"number", 9000}})["result"]["number"] == 9000);
    CHECK(h.call("read_pr", {{"number", 3}})["result"]["head_branch"].is_string());
    CHECK(h.call("read_comments", {{"number", 5}})["result"][0]["user"] == "alice");
    const auto lines = h.audit_lines();
    REQUIRE(lines.size() == 3);
    CHECK(lines[0]["summary"] == "read issue #9000");
    CHECK(lines[1]["summary"] == "read PR #3");
}

TEST_CASE("Service refuses malformed numbers before the forge and audits them as denied",
          "[sidecar]") {
    Harness h;
    for (const json& bad : {json("17"), json(17.5), json(0), json(-17), json(nullptr)}) {
        INFO(bad.dump());
        const auto reply = h.call("update_description", {{"number", bad}, {"body", "x"}});
        CHECK(reply["error"]["code"] == -32602);
    }
    CHECK(h.inner.calls().empty());
    const auto lines = h.audit_lines();
    CHECK(lines.size() == 5);
    for (const auto& line : lines) {
        CHECK(line["outcome"] == "denied");
    }
}

TEST_CASE("open_pr uses the run's branch and the new PR becomes writable", "[sidecar]") {
    Harness h;
    const auto reply = h.call("open_pr", {{"title", "Fix"}, {"body", "Closes #17"}});
    REQUIRE(reply.contains("result"));
    const auto number = reply["result"]["number"].get<std::int64_t>();
    CHECK(h.inner.calls() ==
          std::vector<std::string>{"default_branch", "create_pull_request forgebot/17-abcde main"});
    CHECK(h.call("post_comment", {{"number", number}, {"body", "ok"}})["result"]["ok"] == true);
    CHECK(h.service.health()["writable"] == json{17, 42, number});
}

TEST_CASE("signal_done queues one whole event and refuses an invalid status", "[sidecar]") {
    Harness h;
    const auto reply = h.call("signal_done", {{"status", "success"}, {"summary", "all done"}});
    REQUIRE(reply.contains("result"));
    const std::string id = reply["result"]["event_id"];
    const auto file = h.dir.path() / "queue" / "new" / id;
    REQUIRE(std::filesystem::exists(file));
    std::ifstream in(file);
    const auto event = json::parse(in);
    CHECK(event["type"] == "done");
    CHECK(event["identity"] == "claude-abcde");
    CHECK(event["owner"] == "owner");
    CHECK(event["repo"] == "repo");
    CHECK(event["issue"] == 17);
    CHECK(event["pr"] == 42);
    CHECK(event["status"] == "success");
    CHECK(event["summary"] == "all done");
    CHECK(event["at"] == "2026-11-21T10:00:00Z");

    const auto bad = h.call("signal_done", {{"status", "finished"}, {"summary", "x"}});
    CHECK(bad["error"]["code"] == -32602);
    CHECK(std::distance(std::filesystem::directory_iterator(h.dir.path() / "queue" / "new"),
                        std::filesystem::directory_iterator{}) == 1);
    CHECK(std::filesystem::is_empty(h.dir.path() / "queue" / "tmp"));
}

TEST_CASE("push_branch without a workspace is refused with a clear message", "[sidecar]") {
    Harness h;
    const auto reply = h.call("push_branch", json::object());
    CHECK(reply["error"]["code"] == -32600);
    CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains("--workspace"));
}

TEST_CASE("The HTTP routes answer health, 404, 405 and 204", "[sidecar]") {
    Harness h;
    auto health = sidecar::answer(h.service, {"GET", "/health", ""});
    CHECK(health.status == 200);
    CHECK(json::parse(health.body)["identity"] == "claude-abcde");
    CHECK(sidecar::answer(h.service, {"GET", "/nope", ""}).status == 404);
    auto wrong = sidecar::answer(h.service, {"GET", "/rpc", ""});
    CHECK(wrong.status == 405);
    CHECK(wrong.headers == std::vector<std::pair<std::string, std::string>>{{"Allow", "POST"}});
    CHECK(sidecar::answer(h.service, {"POST", "/health", ""}).status == 405);
    const auto note =
        sidecar::answer(h.service, {"POST", "/rpc", R"({"jsonrpc":"2.0","method":"ping"})"});
    CHECK(note.status == 204);
    CHECK(note.body.empty());
    const auto ping = sidecar::answer(
        h.service, {"POST", "/rpc?x=1", R"({"jsonrpc":"2.0","method":"ping","id":1})"});
    CHECK(json::parse(ping.body)["result"] == "pong");
}
