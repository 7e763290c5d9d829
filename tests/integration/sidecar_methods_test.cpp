// Every sidecar method through the real binary, as an agent calls it: curl on the Unix socket
// and `forgebot call`.
#include "integration/sidecar_fixture.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

json curl_json(const SidecarProcess& sidecar, const json& request) {
    const auto r = curl_rpc(sidecar.socket(), request.dump());
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

} // namespace

TEST_CASE("curl on the sidecar socket reads issues, PRs and comments anywhere in the repository",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();

    const json issue = curl_json(f.sidecar, rpc_request("read_issue", {{"number", 17}}));
    CHECK(issue["jsonrpc"] == "2.0");
    CHECK(issue["id"] == 1);
    CHECK(issue["result"] == json{{"number", 17},
                                  {"title", "Crash on empty config"},
                                  {"body", "Steps: run with an empty file."},
                                  {"state", "open"}});

    const json pr = curl_json(f.sidecar, rpc_request("read_pr", {{"number", 42}}));
    CHECK(pr["result"]["number"] == 42);
    CHECK(pr["result"]["title"] == "Fix crash on empty config");
    CHECK(pr["result"]["body"] == "Fixes #17.");
    CHECK(pr["result"]["state"] == "open");
    CHECK(pr["result"]["merged"] == false);
    CHECK(pr["result"]["head_branch"] == "fb/claude-ab3de");
    CHECK(pr["result"]["base_branch"] == "main");
    CHECK_THAT(pr["result"]["url"].get<std::string>(), Catch::EndsWith("/o/r/pulls/42"));

    const json comments = curl_json(f.sidecar, rpc_request("read_comments", {{"number", 17}}));
    REQUIRE(comments["result"].size() == 2);
    CHECK(comments["result"][0]["user"] == "alice");
    CHECK(comments["result"][0]["body"] == "It crashes for me too.");
    CHECK(comments["result"][0]["id"].is_number_integer());
    CHECK(comments["result"][1]["user"] == "bob");

    // Reads are not scoped: an unrelated issue and PR are readable too.
    CHECK(curl_json(f.sidecar, rpc_request("read_issue", {{"number", 5}}))["result"]["title"] ==
          "Unrelated issue");
    CHECK(curl_json(f.sidecar, rpc_request("read_pr", {{"number", 60}}))["result"]["title"] ==
          "Someone else's PR");
}

TEST_CASE("curl on the sidecar socket comments on and describes the assigned issue and its PR",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();

    CHECK(curl_json(f.sidecar,
                    rpc_request("post_comment", {{"number", 17}, {"body", "Working on it."}})) ==
          json{{"jsonrpc", "2.0"}, {"result", {{"ok", true}}}, {"id", 1}});
    CHECK(curl_json(f.sidecar,
                    rpc_request("post_comment", {{"number", 42}, {"body", "Ready."}}))["result"] ==
          json{{"ok", true}});
    CHECK(curl_json(f.sidecar,
                    rpc_request("update_description",
                                {{"number", 42}, {"body", "Fixes #17. Now tested."}}))["result"] ==
          json{{"ok", true}});

    const auto on_issue = f.forge.comments(17);
    REQUIRE(on_issue.size() == 3);
    CHECK(on_issue.back().body == "Working on it.");
    const auto on_pr = f.forge.comments(42);
    REQUIRE(on_pr.size() == 1);
    CHECK(on_pr.back().body == "Ready.");
    CHECK(f.forge.issue(42)->body == "Fixes #17. Now tested.");
}

TEST_CASE("curl on the sidecar socket answers ping and queues signal_done", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();

    CHECK(curl_json(f.sidecar, rpc_request("ping")) ==
          json{{"jsonrpc", "2.0"}, {"result", "pong"}, {"id", 1}});

    const json done = curl_json(
        f.sidecar, rpc_request("signal_done", {{"status", "success"}, {"summary", "Fixed it."}}));
    CHECK(done["result"]["ok"] == true);
    const std::string id = done["result"]["event_id"];
    CHECK(std::filesystem::exists(f.sidecar.queue_dir() / "new" / id));
}

TEST_CASE("open_pr opens a PR from the run's own branch, which is writable at once", "[sidecar]") {
    SidecarFixture f([](SidecarSettings& s) {
        s.extra_args = {"--workspace", "/nonexistent-workspace", "--branch", "fb/claude-ab3de-2"};
    });
    f.sidecar.start();

    const json opened = curl_json(
        f.sidecar, rpc_request("open_pr", {{"title", "Second try"}, {"body", "Fixes #17."}}));
    REQUIRE(opened.contains("result"));
    const std::int64_t number = opened["result"]["number"];
    CHECK_THAT(opened["result"]["url"].get<std::string>(),
               Catch::EndsWith("/o/r/pulls/" + std::to_string(number)));
    const auto pr = f.forge.issue(number);
    REQUIRE(pr.has_value());
    CHECK(pr->is_pull);
    CHECK(pr->head_branch == "fb/claude-ab3de-2");
    CHECK(pr->base_branch == "main");
    CHECK(pr->title == "Second try");

    CHECK(curl_json(f.sidecar,
                    rpc_request("post_comment", {{"number", number}, {"body", "x"}}))["result"] ==
          json{{"ok", true}});
    UnixHttpClient client(f.sidecar.socket());
    CHECK(client.request("GET", "/health").json()["writable"] == json{17, 42, number});

    // The fake forge allows one open PR per head branch: close each before the next.
    const auto close_pr = [&f](std::int64_t n) {
        FakeIssue closed = *f.forge.issue(n);
        closed.state = "closed";
        f.forge.put_issue(closed);
    };

    // An explicit base is used as given.
    close_pr(number);
    const json based = curl_json(
        f.sidecar,
        rpc_request("open_pr", {{"title", "Third"}, {"body", "b"}, {"base", "release-1"}}));
    REQUIRE(based.contains("result"));
    const std::int64_t third = based["result"]["number"];
    CHECK(f.forge.issue(third)->base_branch == "release-1");

    // The same through forgebot call.
    close_pr(third);
    const auto r = run_forgebot({"call", "open_pr", "title=Fourth", "body=Fixes #17."},
                                f.sidecar.call_options());
    CHECK(r.exit_code == 0);
    const std::int64_t fourth = json::parse(r.out)["number"];
    CHECK(f.forge.issue(fourth)->title == "Fourth");
    CHECK(f.forge.issue(fourth)->head_branch == "fb/claude-ab3de-2");
}

TEST_CASE("push_branch without a workspace is refused with the reason", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const json reply = curl_json(f.sidecar, rpc_request("push_branch"));
    CHECK(reply["error"]["code"] == -32600);
    CHECK_THAT(reply["error"]["message"].get<std::string>(),
               Catch::Contains("--workspace") && Catch::Contains("--branch"));
    CHECK(f.forge_writes() == 0);
}

TEST_CASE("forgebot call prints each method's result on stdout", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const auto options = f.sidecar.call_options();

    auto r = run_forgebot({"call", "read_issue", "number=17"}, options);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(json::parse(r.out)["title"] == "Crash on empty config");

    r = run_forgebot({"call", "read_pr", "number=42"}, options);
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out)["head_branch"] == "fb/claude-ab3de");

    r = run_forgebot({"call", "read_comments", "number=17"}, options);
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out).size() == 2);

    r = run_forgebot({"call", "post_comment", "number=17", "body=On it."}, options);
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out) == json{{"ok", true}});
    CHECK(f.forge.comments(17).back().body == "On it.");

    r = run_forgebot({"call", "update_description", "number=42", "body=Now with tests."}, options);
    CHECK(r.exit_code == 0);
    CHECK(f.forge.issue(42)->body == "Now with tests.");

    r = run_forgebot({"call", "ping"}, options);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "\"pong\"\n");

    r = run_forgebot({"call", "signal_done", "status=needs_human", "summary=Need a decision."},
                     options);
    CHECK(r.exit_code == 0);
    const json done = json::parse(r.out);
    CHECK(done["ok"] == true);
    CHECK(std::filesystem::exists(f.sidecar.queue_dir() / "new" /
                                  done["event_id"].get<std::string>()));

    r = run_forgebot({"call", "push_branch"}, options);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("forgebot: error: push_branch is unavailable") &&
                          Catch::Contains("(code -32600)"));

    // --socket works without the environment variable.
    RunOptions bare;
    bare.env["FORGEBOT_SIDECAR_SOCKET"] = std::nullopt;
    r = run_forgebot({"call", "ping", "--socket", f.sidecar.socket().string()}, bare);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "\"pong\"\n");
}

TEST_CASE("forgebot call reads a value from a file with @ and from stdin with -", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    auto options = f.sidecar.call_options();
    const std::string text = "Line one.\n\nA \"quoted\" line, a tab\tand unicode: \xc3\xa9\n";
    const auto file = f.root.path() / "comment.md";
    std::ofstream(file, std::ios::binary) << text;

    auto r = run_forgebot({"call", "post_comment", "number=17", "body=@" + file.string()}, options);
    CHECK(r.exit_code == 0);
    CHECK(f.forge.comments(17).back().body == text);

    options.stdin_data = "From stdin.\n";
    r = run_forgebot({"call", "update_description", "number=42", "body=-"}, options);
    CHECK(r.exit_code == 0);
    CHECK(f.forge.issue(42)->body == "From stdin.\n");

    options.stdin_data.clear();
    r = run_forgebot(
        {"call", "post_comment", "number=17", "body=@" + (f.root.path() / "missing.md").string()},
        options);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("missing.md"));
}

TEST_CASE("forgebot call exits 1 with the JSON-RPC error message on stderr", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const auto r =
        run_forgebot({"call", "post_comment", "number=500", "body=hi"}, f.sidecar.call_options());
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "forgebot: error: write to #500 denied: out of assigned scope (writable: 17, "
                   "42) (code -32001)\n");
    CHECK(f.forge_writes() == 0);

    const auto unknown = run_forgebot({"call", "merge_pr", "number=42"}, f.sidecar.call_options());
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.err, Catch::Contains("method not found: merge_pr"));
}

TEST_CASE("forgebot call exits 3 when the sidecar is unreachable and 2 without a socket",
          "[sidecar]") {
    TempDir dir("/tmp", "fbt-");
    RunOptions options;
    options.env["FORGEBOT_SIDECAR_SOCKET"] = (dir.path() / "nobody.sock").string();
    options.timeout = std::chrono::seconds(20);
    auto r = run_forgebot({"call", "ping"}, options);
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("forgebot: error: cannot reach the sidecar at " +
                                        (dir.path() / "nobody.sock").string()));

    options.env["FORGEBOT_SIDECAR_SOCKET"] = std::nullopt;
    r = run_forgebot({"call", "ping"}, options);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("FORGEBOT_SIDECAR_SOCKET") && Catch::Contains("--socket"));
}

TEST_CASE("forgebot call with a value over the sidecar's 1 MiB limit exits 1 and says so",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const auto file = f.root.path() / "huge.md";
    std::ofstream(file, std::ios::binary) << std::string(1024 * 1024 + 1, 'h');
    const auto r = run_forgebot({"call", "post_comment", "number=17", "body=@" + file.string()},
                                f.sidecar.call_options());
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("forgebot: error: ") && Catch::Contains("too large") &&
                          Catch::Contains("413"));
    CHECK(f.forge_writes() == 0);
}

TEST_CASE("forgebot call takes params as one JSON object too", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    auto r = run_forgebot(
        {"call", "post_comment", "--json-params", R"({"number":42,"body":"multi\nline"})"},
        f.sidecar.call_options());
    CHECK(r.exit_code == 0);
    CHECK(f.forge.comments(42).back().body == "multi\nline");

    // A key=value pair overrides the same key in the object.
    r = run_forgebot({"call", "read_issue", "--json-params", R"({"number":42})", "number=17"},
                     f.sidecar.call_options());
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out)["number"] == 17);

    r = run_forgebot({"call", "read_issue", "--json-params", "[17]"}, f.sidecar.call_options());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--json-params must be a JSON object"));
}
