// The orchestrator end to end: `forgebot orchestrate serve` with the loopback forge and the fake
// claude: a signed webhook starts a bottle, signal_done freezes it, a review comment rehydrates
// it, closing the PR destroys it; and what it refuses.
#include "integration/orchestrator_fixture.hpp"

using namespace forgebot::testing;
using nlohmann::json;

namespace {

json repository() {
    return {{"id", 1},
            {"name", "r"},
            {"full_name", "o/r"},
            {"owner", {{"id", 2}, {"login", "o"}, {"username", "o"}}}};
}

json issue_payload(const std::string& action, const std::vector<std::string>& labels,
                   const std::vector<std::string>& assignees, std::int64_t number = 17) {
    json label_list = json::array();
    for (const auto& label : labels) {
        label_list.push_back({{"id", label.size()}, {"name", label}});
    }
    json assignee_list = json::array();
    for (const auto& user : assignees) {
        assignee_list.push_back({{"id", 7}, {"login", user}, {"username", user}});
    }
    return {{"action", action},
            {"number", number},
            {"issue",
             {{"id", 10 * number},
              {"number", number},
              {"title", "Fix the crash"},
              {"state", "open"},
              {"labels", label_list},
              {"assignees", assignee_list},
              {"pull_request", nullptr}}},
            {"repository", repository()},
            {"sender", {{"login", "ann"}, {"username", "ann"}}}};
}

json comment_payload(std::int64_t number, std::int64_t id, const std::string& user,
                     const std::string& body) {
    return {{"action", "created"},
            {"issue",
             {{"number", number},
              {"title", "PR"},
              {"state", "open"},
              {"labels", json::array()},
              {"assignees", json::array()},
              {"pull_request", {{"merged", false}}}}},
            {"comment", {{"id", id}, {"body", body}, {"user", {{"login", user}}}}},
            {"repository", repository()},
            {"sender", {{"login", user}, {"username", user}}}};
}

json pr_closed_payload(std::int64_t number, bool merged) {
    return {{"action", "closed"},
            {"number", number},
            {"pull_request",
             {{"number", number},
              {"state", "closed"},
              {"merged", merged},
              {"labels", json::array()},
              {"head", {{"ref", "x"}}}}},
            {"repository", repository()},
            {"sender", {{"login", "ann"}, {"username", "ann"}}}};
}

} // namespace

TEST_CASE("orchestrate serve runs the loop from trigger to PR close", "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, k_agent_work);

    CHECK(o.deliver("issues", issue_payload("labeled", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto frozen = o.wait_for_state("frozen");
    const std::string slug = frozen["slug"];
    INFO(o.log());
    REQUIRE(frozen["pr"].is_number_integer());
    const auto pr = frozen["pr"].get<std::int64_t>();
    CHECK(o.forge.git_ref("refs/heads/forgebot/17-" + slug).has_value());

    // A review comment by a member rehydrates it with the new comment in the prompt.
    const auto comment = o.forge.add_comment(pr, "ann", "Please also " + k_agent_work);
    CHECK(o.deliver("issue_comment", comment_payload(pr, comment, "ann", "Please also ..."),
                    "pull_request_comment") == 202);
    const auto records = o.wait_for_records(slug, 2);
    REQUIRE(records.size() == 2);
    CHECK(records[1]["prompt"].get<std::string>().find("@ann on #" + std::to_string(pr)) !=
          std::string::npos);
    const auto argv = records[1]["argv"].get<std::vector<std::string>>();
    CHECK(std::find(argv.begin(), argv.end(),
                    "--resume=" + records[0]["session"].get<std::string>()) != argv.end());
    // It signals done again and is frozen again.
    o.wait_for_bottle_frozen(slug);

    // Closing the PR destroys the bottle.
    CHECK(o.deliver("pull_request", pr_closed_payload(pr, true), "pull_request") == 202);
    o.wait_for_state("destroyed");
    CHECK(o.f.show(slug)["status"] == "destroyed");

    const auto provenance = o.f.forgebot({"provenance", slug, "--json"});
    REQUIRE(provenance.exit_code == 0);
    const auto record = json::parse(provenance.out);
    CHECK(record["agent"] == "claude");
    CHECK(record["cost_usd"] == 0.0123);
    CHECK(record["watchdog_fired"] == false);
    // The resumed run signalled done: no exit is mistaken for one without a signal.
    CHECK(record["flags"].empty());
    bool pushed = false;
    for (const auto& op : record["operations"]) {
        pushed = pushed || op["operation"] == "push_branch";
    }
    CHECK(pushed);
}

TEST_CASE("orchestrate serve refuses bad signatures and dispatches a delivery once",
          "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, "call=signal_done:{\"status\":\"success\",\"summary\":\"ok\"}");
    const auto payload = issue_payload("labeled", {"forgebot:claude"}, {"ann"});
    CHECK(o.deliver("issues", payload, "issues", "wrong-secret") == 401);
    CHECK(o.http_status("POST", "/webhook/local", "{}", {"X-Gitea-Event: issues"}) == 401);
    CHECK(o.http_status("POST", "/webhook/nope", "{}") == 404);

    // The same delivery id twice: accepted once.
    const auto body = payload.dump();
    const std::vector<std::string> headers{
        "X-Gitea-Event: issues", "X-Gitea-Delivery: same-1",
        "X-Gitea-Signature: " + forgebot::util::hmac_sha256_hex(k_webhook_secret, body)};
    CHECK(o.http_status("POST", "/webhook/local", body, headers) == 202);
    CHECK(o.http_status("POST", "/webhook/local", body, headers) == 200);
    o.wait_for_state("frozen");
    const auto bottles = json::parse(o.f.forgebot({"list", "--json"}).out);
    CHECK(bottles.size() == 1);
}

TEST_CASE("orchestrate serve dispatches nothing under the kill switch or for outsiders or "
          "unlabelled issues",
          "[orchestrator][e2e]") {
    SECTION("kill switch") {
        Orchestrated o(false);
        put_issue(o.forge, "exit=0");
        CHECK(o.deliver("issues", issue_payload("labeled", {"forgebot:claude"}, {"ann"}),
                        "issues") == 202);
        std::this_thread::sleep_for(std::chrono::seconds(1));
        CHECK(o.log().find("kill switch is on") != std::string::npos);
        CHECK(json::parse(o.f.forgebot({"orchestrate", "status", "--json"}).out).empty());
        CHECK(o.f.forgebot({"orchestrate", "status"}).out.find("kill switch: on") == 0);
    }
    SECTION("assignee outside the org, and no label") {
        Orchestrated o;
        put_issue(o.forge, "exit=0");
        CHECK(o.deliver("issues", issue_payload("labeled", {"forgebot:claude"}, {"bob"}),
                        "issues") == 202);
        CHECK(o.deliver("issues", issue_payload("assigned", {"bug"}, {"ann"}), "issues") == 202);
        o.wait_for_log("no forgebot:AGENT label", 5);
        INFO(o.log());
        CHECK(o.log().find("no assignee is a member of forgebot") != std::string::npos);
        CHECK(o.log().find("no forgebot:AGENT label") != std::string::npos);
        CHECK(json::parse(o.f.forgebot({"orchestrate", "status", "--json"}).out).empty());
    }
}

TEST_CASE("the watchdog freezes a silent run and flags it", "[orchestrator][e2e]") {
    Orchestrated o(true, "watchdog_timeout = 2\n");
    put_issue(o.forge, "sleep=60");
    CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto frozen = o.wait_for_state("frozen");
    INFO(o.log());
    CHECK(frozen["flags"] == json::array({"watchdog_fired"}));
    const std::string slug = frozen["slug"];
    for (int i = 0; i < 100 && o.f.show(slug)["running"].get<bool>(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(o.f.show(slug)["running"] == false);
    CHECK(json::parse(o.f.forgebot({"provenance", slug, "--json"}).out)["watchdog_fired"] == true);
}

TEST_CASE("a sidecar killed mid-run stops the agent and flags the run", "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, "sleep=60");
    CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto running = o.wait_for_state("running");
    const std::string slug = running["slug"];
    json shown;
    for (int i = 0; i < 100; ++i) {
        shown = o.f.show(slug);
        if (shown.contains("sidecar_pid") && !o.f.records(slug).empty()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(shown.contains("sidecar_pid"));
    ::kill(shown["sidecar_pid"].get<int>(), SIGKILL);
    const auto frozen = o.wait_for_state("frozen");
    INFO(o.log());
    CHECK(frozen["flags"] == json::array({"sidecar_died"}));
}

TEST_CASE("an agent that exits without signalling is frozen and flagged", "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, "exit=0");
    CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto frozen = o.wait_for_state("frozen");
    CHECK(frozen["flags"] == json::array({"exited_without_signal"}));
}

TEST_CASE("a killed orchestrator carries on after a restart and dispatches each issue once",
          "[orchestrator][e2e]") {
    Orchestrated o(true, "max_concurrent = 2\n");
    const std::string done = "call=signal_done:{\"status\":\"success\",\"summary\":\"ok\"}";
    for (std::int64_t n = 17; n <= 21; ++n) {
        put_issue(o.forge, done, n);
    }
    for (std::int64_t n = 17; n <= 19; ++n) {
        CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}, n),
                        "issues") == 202);
    }
    o.serve->kill();
    o.launch();
    // The first delivery again (same id) and the rest.
    const auto body = issue_payload("opened", {"forgebot:claude"}, {"ann"}, 17).dump();
    CHECK(o.http_status("POST", "/webhook/local", body,
                        {"X-Gitea-Event: issues", "X-Gitea-Delivery: d-1",
                         "X-Gitea-Signature: " +
                             forgebot::util::hmac_sha256_hex(k_webhook_secret, body)}) == 200);
    for (std::int64_t n = 20; n <= 21; ++n) {
        CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}, n),
                        "issues") == 202);
    }
    json runs;
    for (int i = 0; i < 600; ++i) {
        runs = json::parse(o.f.forgebot({"orchestrate", "status", "--json"}).out);
        const auto frozen = std::count_if(
            runs.begin(), runs.end(), [](const json& run) { return run["status"] == "frozen"; });
        if (frozen == 5) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(o.log());
    INFO(runs.dump());
    REQUIRE(runs.size() == 5);
    for (const auto& run : runs) {
        CHECK(run["status"] == "frozen");
        CHECK(run["flags"].empty());
    }
    CHECK(json::parse(o.f.forgebot({"list", "--json"}).out).size() == 5);
}
