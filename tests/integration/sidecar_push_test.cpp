// push_branch end to end: the real sidecar pushes the workspace's HEAD to the fake forge over git
// smart HTTP, and the agent then opens its PR, all through forgebot call.
#include "integration/sidecar_fixture.hpp"

#include <catch2/catch.hpp>

using namespace forgebot::testing;
using nlohmann::json;

TEST_CASE("forgebot call push_branch publishes the workspace's HEAD on the run's branch",
          "[sidecar][push]") {
    PushFixture p;
    auto& f = p.f;
    const auto& branch = p.branch;
    const auto& head = p.head;
    f.sidecar.start();

    auto options = f.sidecar.call_options();
    const auto pushed = run_forgebot({"call", "push_branch"}, options);
    INFO(pushed.err);
    REQUIRE(pushed.exit_code == 0);
    const auto result = json::parse(pushed.out);
    CHECK(result["ok"] == true);
    CHECK(result["branch"] == branch);
    CHECK(result["commit"] == head);
    CHECK(f.forge.git_ref("refs/heads/" + branch) == head);

    const auto opened =
        run_forgebot({"call", "open_pr", "title=Fix the crash", "body=Fixes #17."}, options);
    REQUIRE(opened.exit_code == 0);
    const auto pr = json::parse(opened.out)["number"].get<std::int64_t>();
    const auto issue = f.forge.issue(pr);
    REQUIRE(issue.has_value());
    CHECK(issue->head_branch == branch);

    const auto lines = f.sidecar.audit_lines();
    REQUIRE(lines.size() >= 2);
    CHECK(lines[lines.size() - 2]["method"] == "push_branch");
    CHECK(lines[lines.size() - 2]["outcome"] == "ok");
    CHECK_THAT(lines[lines.size() - 2]["summary"].get<std::string>(),
               Catch::Contains(branch) && Catch::Contains(head.substr(0, 12)));
    CHECK(f.sidecar.stop() == 0);
    CHECK(f.sidecar.stderr_text().find(k_sidecar_test_token) == std::string::npos);
}
