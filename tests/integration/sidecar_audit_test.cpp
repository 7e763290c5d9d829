// The sidecar's semantic audit through the real binary: one JSON line per forge operation and
// signal_done, written before the answer, and the same rows in the store after shutdown.
#include "integration/sidecar_fixture.hpp"
#include "store/audit_store.hpp"
#include "store/database.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>
#include <regex>

using namespace forgebot::testing;
using nlohmann::json;

TEST_CASE("Each forge operation and signal_done is one audit line, written before the answer",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const std::string comment(1234, 'c');

    struct Step {
        std::string method;
        json params;
        json target;
        std::string outcome;
        std::string summary; ///< exact, or a prefix when it ends in "..."
    };
    const std::vector<Step> steps{
        {"read_issue", {{"number", 17}}, 17, "ok", "read issue #17"},
        {"read_pr", {{"number", 42}}, 42, "ok", "read PR #42"},
        {"read_comments", {{"number", 5}}, 5, "ok", "read comments of #5"},
        {"post_comment",
         {{"number", 17}, {"body", comment}},
         17,
         "ok",
         "posted comment to #17 (1.2 KB, sha256 " + forgebot::util::sha256_hex(comment) + ")"},
        {"update_description",
         {{"number", 42}, {"body", "desc"}},
         42,
         "ok",
         "updated description of #42 (4 B, sha256 " + forgebot::util::sha256_hex("desc") + ")"},
        {"post_comment",
         {{"number", 500}, {"body", "x"}},
         500,
         "denied",
         "denied comment to #500: out of scope"},
        {"update_description",
         {{"number", -1}, {"body", "x"}},
         nullptr,
         "denied",
         "denied description update: invalid params: 'number' must be positive"},
        {"read_issue", {{"number", 999}}, 999, "error", "failed to read issue #999: ..."},
        {"push_branch", nullptr, nullptr, "denied",
         "denied push: this run has no workspace branch"},
        {"signal_done",
         {{"status", "success"}, {"summary", "done"}},
         nullptr,
         "ok",
         "signalled done: success"},
        {"signal_done",
         {{"status", "finished"}, {"summary", "done"}},
         nullptr,
         "denied",
         "refused done signal: ..."},
    };
    const std::regex utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Step& step = steps[i];
        INFO(step.method << " " << step.params.dump());
        f.sidecar.call(step.method, step.params);
        // Written before the answer: the line is there as soon as the call returns.
        const auto lines = f.sidecar.audit_lines();
        REQUIRE(lines.size() == i + 1);
        const json& line = lines.back();
        CHECK(line["identity"] == "claude-ab3de");
        CHECK(line["method"] == step.method);
        CHECK(line["target"] == step.target);
        CHECK(line["outcome"] == step.outcome);
        const std::string summary = line["summary"];
        if (step.summary.ends_with("...")) {
            CHECK_THAT(summary, Catch::StartsWith(step.summary.substr(0, step.summary.size() - 3)));
        } else {
            CHECK(summary == step.summary);
        }
        CHECK(summary.find('\n') == std::string::npos);
        CHECK(std::regex_match(line["at"].get<std::string>(), utc));
    }
    // The comment's body is not in the log, only its size and hash.
    CHECK(read_text(f.sidecar.audit_log()).find(comment) == std::string::npos);
}

TEST_CASE("ping, notifications of ping and GET /health are not audited", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    f.sidecar.call("ping");
    UnixHttpClient client(f.sidecar.socket());
    client.request("GET", "/health");
    client.request("POST", "/rpc", R"({"jsonrpc":"2.0","method":"ping"})");
    client.request("POST", "/rpc", R"([{"jsonrpc":"2.0","method":"ping","id":1}])");
    CHECK(f.sidecar.audit_lines().empty());
    // A write sent as a notification is audited all the same.
    client.request("POST", "/rpc",
                   R"({"jsonrpc":"2.0","method":"post_comment","params":{"number":9,"body":"x"}})");
    const auto lines = f.sidecar.audit_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "denied");
}

TEST_CASE("After SIGTERM the store's audit table holds the same rows as the audit log",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    for (int i = 0; i < 10; ++i) {
        f.sidecar.call("read_issue", {{"number", 17}});
        f.sidecar.call("post_comment", {{"number", i % 2 == 0 ? 17 : 60}, {"body", "n"}});
    }
    f.sidecar.call("read_issue", {{"number", 999}});
    f.sidecar.call("signal_done", {{"status", "needs_human"}, {"summary", "?"}});
    REQUIRE(f.sidecar.stop() == 0);

    const auto lines = f.sidecar.audit_lines();
    REQUIRE(lines.size() == 22);
    forgebot::store::Database db(f.sidecar.database());
    const auto rows = forgebot::store::AuditStore(db).all();
    REQUIRE(rows.size() == lines.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        INFO(lines[i].dump());
        CHECK(forgebot::util::format_utc(rows[i].at) == lines[i]["at"]);
        CHECK(rows[i].identity == lines[i]["identity"]);
        CHECK(rows[i].operation == lines[i]["method"]);
        CHECK((rows[i].target ? json(*rows[i].target) : json(nullptr)) == lines[i]["target"]);
        CHECK(forgebot::store::to_string(rows[i].outcome) == lines[i]["outcome"]);
        CHECK(rows[i].detail == lines[i]["summary"]);
    }
}

TEST_CASE("The audit log goes where --audit-log says", "[sidecar]") {
    SidecarFixture f;
    const auto path = f.root.path() / "elsewhere" / "audit.jsonl";
    f.sidecar.settings().extra_args = {"--audit-log", path.string()};
    f.sidecar.start();
    f.sidecar.call("read_issue", {{"number", 17}});
    CHECK_FALSE(std::filesystem::exists(f.sidecar.audit_log()));
    CHECK_THAT(read_text(path), Catch::Contains("\"read issue #17\""));
}

TEST_CASE("A forge call refused for malformed params is audited as denied", "[sidecar]") {
    SidecarFixture f([](SidecarSettings& s) {
        s.extra_args = {"--workspace", "/nonexistent-workspace", "--branch", "fb/claude-ab3de"};
    });
    f.sidecar.start();
    const std::vector<std::pair<std::string, json>> calls{
        {"read_issue", {{"number", "17"}}},
        {"read_pr", json::object()},
        {"read_comments", {{"number", -4}}},
        {"open_pr", {{"body", "no title"}}},
        {"open_pr", {{"title", "t"}, {"body", "b"}, {"base", 7}}},
    };
    for (const auto& [method, params] : calls) {
        INFO(method << " " << params.dump());
        CHECK(f.sidecar.call(method, params)["error"]["code"] == -32602);
    }
    const auto lines = f.sidecar.audit_lines();
    REQUIRE(lines.size() == calls.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        CHECK(lines[i]["method"] == calls[i].first);
        CHECK(lines[i]["outcome"] == "denied");
        CHECK(lines[i]["target"].is_null());
        CHECK_THAT(lines[i]["summary"].get<std::string>(), Catch::Contains("invalid params: "));
    }
    CHECK(f.forge.requests().empty());
}
