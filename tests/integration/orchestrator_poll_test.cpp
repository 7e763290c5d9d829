// `forgebot orchestrate serve --poll` end to end with the loopback forge and no webhook: a
// labelled, assigned issue starts one bottle, however often it is polled and across a restart;
// a member's comment rehydrates the frozen run and closing its PR destroys it; and what polling
// leaves alone.
#include "integration/orchestrator_fixture.hpp"

#include <algorithm>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

/// How many times `text` occurs in `log`.
std::size_t occurrences(const std::string& log, const std::string& text) {
    std::size_t count = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) {
        ++count;
    }
    return count;
}

/// Waits until forge `forge` has been asked for the open issues of o/r `polls` more times.
void wait_for_polls(const FakeForge& forge, std::size_t polls) {
    const auto target = forge.count("GET", "/repos/o/r/issues") + polls;
    for (int i = 0; i < 200 && forge.count("GET", "/repos/o/r/issues") < target; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(forge.count("GET", "/repos/o/r/issues") >= target);
}

std::size_t bottle_count(const Orchestrated& o) {
    return json::parse(o.f.forgebot({"list", "--json"}).out).size();
}

} // namespace

TEST_CASE("orchestrate serve --poll dispatches a labelled, assigned issue once, with no webhook",
          "[orchestrator][e2e][poll]") {
    // A second forge holds a labelled, assigned issue in a repository outside the allowlist,
    // and not o/r.
    FakeForge other(FakeForgeFlavor::github, "o", "elsewhere");
    other.set_token(k_orchestrator_token);
    other.add_org_member("forgebot", "ann");
    put_issue(other, "exit=0", 17, {"ann"});
    Orchestrated o(OrchestratedOptions{
        .extra_forges = "[[forges]]\nname = \"other\"\nkind = \"github\"\napi_url = \"" +
                        other.base_url() + "\"\ntoken_file = \"token\"\n",
        .serve_args = {"--poll", "1s"}});
    put_issue(o.forge, "exit=0", 17, {"bob", "ann"});
    put_issue(o.forge, "exit=0", 18, {"bob"});
    o.forge.put_issue(
        {.number = 19, .title = "Unlabelled", .labels = {"bug"}, .assignees = {"ann"}});

    const auto frozen = o.wait_for_state("frozen");
    CHECK(frozen["flags"] == json::array({"exited_without_signal"}));
    CHECK(o.wait_for_log("o/r#18): ignored: no assignee is a member of forgebot"));
    wait_for_polls(o.forge, 3);

    const auto log = o.log();
    INFO(log);
    CHECK(log.find("polling the allowlisted repositories every 1s") != std::string::npos);
    CHECK(occurrences(log, "(local issues/polled o/r#17): queued for agent claude") == 1);
    CHECK(log.find("o/r#19") == std::string::npos);
    CHECK(log.find("elsewhere") == std::string::npos);
    // o/r is not on the other forge: said once, however many polls.
    CHECK(occurrences(log, "poll of other o/r failed") == 1);
    CHECK(other.count("GET", "/repos/o/elsewhere/issues") == 0);
    CHECK(o.deliveries == 0);
    const auto runs = o.runs();
    REQUIRE(runs.size() == 1);
    CHECK(runs[0]["issue"] == 17);
    CHECK(bottle_count(o) == 1);

    // A restart polls the same issues again and starts nothing new.
    o.serve->kill();
    o.launch();
    wait_for_polls(o.forge, 2);
    CHECK(bottle_count(o) == 1);
    CHECK(o.runs().size() == 1);
}

TEST_CASE("orchestrate serve --poll rehydrates a frozen run on a member's comment and destroys "
          "it when its PR closes",
          "[orchestrator][e2e][poll]") {
    Orchestrated o(OrchestratedOptions{.serve_args = {"--poll", "1s"}});
    put_issue(o.forge, k_agent_work, 17, {"ann"});
    const auto frozen = o.wait_for_state("frozen");
    const std::string slug = frozen["slug"];
    REQUIRE(frozen["pr"].is_number_integer());
    const auto pr = frozen["pr"].get<std::int64_t>();

    // An outsider's comment is seen and ignored; a member's rehydrates the run.
    o.forge.add_comment(17, "bob", "Do something else");
    CHECK(o.wait_for_log("ignored: bob is not a member of forgebot"));
    CHECK(o.f.records(slug).size() == 1);
    o.forge.add_comment(pr, "ann", "Please also " + k_agent_work);
    INFO(o.log());
    const auto records = o.wait_for_records(slug, 2);
    REQUIRE(records.size() == 2);
    CHECK(records[1]["prompt"].get<std::string>().find("@ann on #" + std::to_string(pr)) !=
          std::string::npos);
    CHECK(o.wait_for_log("(local issue_comment/created o/r#" + std::to_string(pr) +
                         "): rehydrated " + slug));
    o.wait_for_bottle_frozen(slug);

    // The PR merged on the forge: the next poll destroys the bottle.
    auto merged = o.forge.issue(pr);
    REQUIRE(merged.has_value());
    merged->state = "closed";
    merged->merged = true;
    o.forge.put_issue(*merged);
    o.wait_for_state("destroyed");
    CHECK(o.f.show(slug)["status"] == "destroyed");
    CHECK(o.wait_for_log("(local pull_request/closed o/r#" + std::to_string(pr) +
                         "): merged: destroyed " + slug));
    CHECK(o.deliveries == 0);
}

TEST_CASE("orchestrate serve --poll on GitHub dispatches an issue but never a pull request",
          "[orchestrator][e2e][poll]") {
    Orchestrated o(
        OrchestratedOptions{.serve_args = {"--poll", "1s"}, .flavor = FakeForgeFlavor::github});
    FakeIssue labelled_pr{.number = 16,
                          .title = "A PR",
                          .labels = {"forgebot:claude"},
                          .is_pull = true,
                          .head_branch = "feature",
                          .base_branch = "main",
                          .assignees = {"ann"}};
    o.forge.put_issue(labelled_pr);
    put_issue(o.forge, "exit=0", 17, {"ann"});

    o.wait_for_state("frozen");
    wait_for_polls(o.forge, 2);
    INFO(o.log());
    CHECK(o.log().find("o/r#16") == std::string::npos);
    CHECK(o.runs().size() == 1);
    CHECK(bottle_count(o) == 1);
}

TEST_CASE("orchestrate serve --poll polls nothing under the kill switch", "[orchestrator][poll]") {
    Orchestrated o(OrchestratedOptions{.armed = false, .serve_args = {"--poll", "1s"}});
    put_issue(o.forge, "exit=0", 17, {"ann"});
    CHECK(o.wait_for_log("polling is off while the kill switch is on", 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    CHECK(o.forge.count("GET", "/repos/o/r/issues") == 0);
    CHECK(o.runs().empty());
}

TEST_CASE("orchestrate serve refuses a poll interval under a second or that is not a duration",
          "[orchestrator][poll]") {
    BottleFixture f;
    for (const char* interval : {"0s", "0", "500ms", "soon", "1x", ""}) {
        INFO(interval);
        const auto r = f.forgebot({"orchestrate", "serve", "--poll", interval});
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::StartsWith("forgebot: error: --poll takes an interval of at "
                                            "least 1s"));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}
