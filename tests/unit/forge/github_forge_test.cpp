// The GitHub client over real curl against the fake GitHub server.
#include "forge/github_forge.hpp"
#include "forge_fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
using forgebot::Errc;
using forgebot::forge::ForgeKind;
using forgebot::testing::FakeForge;
using forgebot::testing::FakeForgeFlavor;
using forgebot::testing::FakeIssue;
using forgebot::testing::forge_error_from;
using forgebot::testing::ForgeUnderTest;
using forgebot::testing::k_test_token;
using forgebot::testing::pr_record;
using nlohmann::json;

TEST_CASE("GitHubForge sends bearer auth, the GitHub media type and the API version", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});

    t.client()->read_issue(5);

    const auto request = t.fake.requests().back();
    CHECK(request.target == "/repos/o/r/issues/5");
    CHECK(request.headers.at("authorization") == "Bearer " + std::string(k_test_token));
    CHECK(request.headers.at("accept") == "application/vnd.github+json");
    CHECK(request.headers.at("x-github-api-version") == "2022-11-28");
    CHECK(request.headers.at("user-agent") == "forgebot");
}

TEST_CASE("GitHubForge reads an issue and reads a null body as empty", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "Crash", .body = "trace", .state = "closed"});
    t.fake.put_issue({.number = 6, .title = "Empty", .body = std::nullopt});
    const auto forge = t.client();

    const auto issue = forge->read_issue(5);
    CHECK(issue.number == 5);
    CHECK(issue.title == "Crash");
    CHECK(issue.body == "trace");
    CHECK(issue.state == "closed");
    CHECK(forge->read_issue(6).body.empty());
}

TEST_CASE("GitHubForge reads merge state from single and list PR records", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    auto merged = pr_record(8, "closed", "forgebot/5-login", "Fixes #5");
    merged.merged = true;
    t.fake.put_issue(merged);
    t.fake.put_issue(pr_record(9, "open", "other"));
    const auto forge = t.client();

    const auto pr = forge->read_pr(8);
    CHECK(pr.merged);
    CHECK(pr.head_branch == "forgebot/5-login");
    CHECK(pr.base_branch == "main");
    CHECK(pr.url == t.fake.origin() + "/o/r/pull/8");

    const auto all = forge->list_pull_requests();
    REQUIRE(all.size() == 2);
    CHECK(all[0].number == 9);
    CHECK_FALSE(all[0].merged);
    CHECK(all[1].number == 8);
    CHECK(all[1].merged);
}

TEST_CASE("GitHubForge lists open issues with their labels and assignees, without PRs", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5,
                      .title = "Crash",
                      .body = "trace",
                      .labels = {"forgebot:codex", "forgebot-bottle:offline"},
                      .assignees = {"ann"}});
    t.fake.put_issue({.number = 6, .title = "Done", .state = "closed"});
    auto pr = pr_record(7, "open", "forgebot/5-x");
    pr.labels = {"forgebot:claude"};
    pr.assignees = {"ann"};
    t.fake.put_issue(pr);

    const auto issues = t.client()->list_open_issues();

    REQUIRE(issues.size() == 1);
    CHECK(issues[0].issue == forgebot::forge::Issue{5, "Crash", "trace", "open"});
    CHECK(issues[0].labels ==
          std::vector<std::string>{"forgebot:codex", "forgebot-bottle:offline"});
    CHECK(issues[0].assignees == std::vector<std::string>{"ann"});
    const auto requests = t.fake.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].target == "/repos/o/r/issues?state=open&per_page=100");
}

TEST_CASE("GitHubForge follows Link headers through every page of open issues", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    for (std::int64_t n = 1; n <= 250; ++n) {
        t.fake.put_issue({.number = n, .title = "issue " + std::to_string(n)});
    }
    // PRs are in GitHub's issue list, so a page may hold fewer issues than it has items.
    for (std::int64_t n = 251; n <= 260; ++n) {
        t.fake.put_issue(pr_record(n, "open", "branch-" + std::to_string(n)));
    }

    const auto issues = t.client()->list_open_issues();

    REQUIRE(issues.size() == 250);
    CHECK(issues.front().issue.number == 250);
    CHECK(issues.back().issue.number == 1);
    const auto requests = t.fake.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[1].target == "/repositories/4242/issues?page=2&per_page=100&state=open");
    CHECK(requests[2].target == "/repositories/4242/issues?page=3&per_page=100&state=open");
}

TEST_CASE("GitHubForge follows Link headers through every page of comments", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "Busy"});
    for (int i = 0; i < 250; ++i) {
        t.fake.add_comment(5, "u" + std::to_string(i), "c" + std::to_string(i));
    }

    const auto comments = t.client()->read_comments(5);

    REQUIRE(comments.size() == 250);
    CHECK(comments[249].body == "c249");
    const auto requests = t.fake.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].target == "/repos/o/r/issues/5/comments?per_page=100");
    CHECK(requests[1].target == "/repositories/4242/issues/5/comments?page=2&per_page=100");
    CHECK(requests[2].target == "/repositories/4242/issues/5/comments?page=3&per_page=100");
}

TEST_CASE("GitHubForge refuses a next-page link that leaves the API base", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5/comments",
                      .status = 200,
                      .body = R"([{"id":1,"body":"a","user":{"login":"x"}}])",
                      .headers = {{"Link", "<https://elsewhere.example/page2>; rel=\"next\""}}});

    const auto error = forge_error_from([&] { t.client()->read_comments(5); });

    CHECK(error.code() == Errc::bad_response);
    CHECK_THAT(error.what(), Catch::Contains("leaves the API base"));
    CHECK(t.fake.requests().size() == 1);
}

TEST_CASE("GitHubForge posts a comment and updates a description", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x", .body = "old"});
    const auto forge = t.client();

    forge->post_comment(5, "hello");
    forge->update_description(5, "new");

    REQUIRE(t.fake.comments(5).size() == 1);
    CHECK(t.fake.comments(5)[0].body == "hello");
    CHECK(t.fake.issue(5)->body == "new");
    const auto requests = t.fake.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].method == "POST");
    CHECK(json::parse(requests[0].body) == json{{"body", "hello"}});
    CHECK(requests[1].method == "PATCH");
    CHECK(requests[1].path == "/repos/o/r/issues/5");
}

TEST_CASE("GitHubForge answers membership from 204 and 404 and names other statuses", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.add_org_member("acme", "alice");
    t.fake.add_fault({.method = "GET",
                      .path = "/orgs/acme/members/carol",
                      .status = 500,
                      .body = R"({"message":"Server Error"})"});
    const auto forge = t.client();

    CHECK(forge->is_org_member("acme", "alice"));
    CHECK_FALSE(forge->is_org_member("acme", "bob"));
    const auto error = forge_error_from([&] { forge->is_org_member("acme", "carol"); });
    CHECK(error.code() == Errc::server_error);
    CHECK(std::string(error.what()) ==
          "github GET /orgs/acme/members/carol: 500 internal server error: Server Error");
}

TEST_CASE("GitHubForge finds the PR of an issue across pages of PRs", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    for (std::int64_t n = 1; n <= 130; ++n) {
        t.fake.put_issue(pr_record(n, "closed", "feature/" + std::to_string(n)));
    }
    t.fake.put_issue(pr_record(3, "closed", "forgebot/500-old"));
    t.fake.put_issue(pr_record(4, "closed", "x", "Closes #500"));

    const auto pr = t.client()->get_pr_for_issue(500);

    REQUIRE(pr.has_value());
    CHECK(pr->number == 4);
    CHECK(t.fake.requests().front().target == "/repos/o/r/pulls?state=all&per_page=100");
    CHECK(t.fake.requests().size() == 2);
}

TEST_CASE("GitHubForge creates a pull request", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});

    const auto pr = t.client()->create_pull_request("forgebot/5-x", "main", "Fix", "Fixes #5");

    CHECK(pr.number == 6);
    CHECK(pr.head_branch == "forgebot/5-x");
    CHECK(json::parse(t.fake.requests().back().body) ==
          json{{"head", "forgebot/5-x"}, {"base", "main"}, {"title", "Fix"}, {"body", "Fixes #5"}});
}

TEST_CASE("GitHubForge names the forge's validation details when a PR already exists", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue(pr_record(6, "open", "forgebot/5-x"));

    const auto error = forge_error_from(
        [&] { t.client()->create_pull_request("forgebot/5-x", "main", "Fix", "Fixes #5"); });

    CHECK(error.code() == Errc::failure);
    CHECK(error.http_status() == 422);
    CHECK(std::string(error.what()) == "github POST /repos/o/r/pulls: 422 unprocessable entity: A "
                                       "pull request already exists for o:forgebot/5-x.");
}

TEST_CASE("GitHubForge adds a label and removes it by name", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});
    const auto forge = t.client();

    forge->add_label(5, "kind: bug");
    CHECK(t.fake.issue(5)->labels == std::vector<std::string>{"kind: bug"});
    CHECK(json::parse(t.fake.requests().back().body) ==
          json{{"labels", json::array({"kind: bug"})}});

    forge->remove_label(5, "kind: bug");
    CHECK(t.fake.issue(5)->labels.empty());
    CHECK(t.fake.requests().back().path == "/repos/o/r/issues/5/labels/kind%3A%20bug");

    forge->remove_label(5, "kind: bug");
    CHECK(t.fake.count("DELETE", "/repos/o/r/issues/5/labels/kind%3A%20bug") == 2);
}

TEST_CASE("GitHubForge reads clone URL and default branch from the repository record", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.set_clone_url("https://github.com/o/r.git");
    const auto forge = t.client();

    CHECK(forge->clone_url() == "https://github.com/o/r.git");
    CHECK(forge->default_branch() == "main");
    CHECK(t.fake.count("GET", "/repos/o/r") == 1);
}

TEST_CASE("GitHubForge treats a 403 with an exhausted rate limit as rate_limited", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    const auto reset = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()) +
                       3600s;
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .count = 5,
                      .status = 403,
                      .body = R"({"message":"API rate limit exceeded for user ID 1."})",
                      .headers = {{"X-RateLimit-Remaining", "0"},
                                  {"X-RateLimit-Reset", std::to_string(reset.count())}}});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::rate_limited);
    REQUIRE(error.retry_after().has_value());
    CHECK((*error.retry_after() > 3500s && *error.retry_after() <= 3600s));
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5") == 1);
    CHECK(t.sleeps->waits().empty());
}

TEST_CASE("GitHubForge waits out a secondary rate limit's Retry-After", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .status = 403,
                      .body = R"({"message":"You have exceeded a secondary rate limit."})",
                      .headers = {{"Retry-After", "1"}}});

    CHECK(t.client()->read_issue(5).title == "x");
    CHECK(t.sleeps->waits() == std::vector<std::chrono::milliseconds>{1000ms});
}

TEST_CASE("GitHubForge retries a GET after 502 and 504", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .status = 502});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .status = 504});

    CHECK(t.client()->read_issue(5).title == "x");
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5") == 3);
}

TEST_CASE("GitHubForge never retries a write", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "POST", .path = "/repos/o/r/issues/5/comments", .status = 503});

    const auto error = forge_error_from([&] { t.client()->post_comment(5, "once"); });

    CHECK(error.code() == Errc::server_error);
    CHECK(t.fake.count("POST", "/repos/o/r/issues/5/comments") == 1);
    CHECK(t.sleeps->waits().empty());
}

TEST_CASE("GitHubForge reports an HTML answer as bad_response with a hint", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .html = true});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::bad_response);
    CHECK_THAT(error.what(), Catch::Contains("forge answered HTML, not JSON: is the API URL the "
                                             "API base (https://api.github.com"));
}

TEST_CASE("GitHubForge reports a truncated answer as bad_response", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .truncate = true});

    CHECK(forge_error_from([&] { t.client()->read_issue(5); }).code() == Errc::bad_response);
}

TEST_CASE("GitHubForge reports a refused connection and a timeout as unavailable", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.config.retry.max_attempts = 1;
    {
        const FakeForge gone(FakeForgeFlavor::github);
        t.config.api_url = gone.base_url();
    }
    const auto refused = forge_error_from([&] { t.client()->read_issue(5); });
    CHECK(refused.code() == Errc::unavailable);
    CHECK_THAT(refused.what(), Catch::StartsWith("github GET /repos/o/r/issues/5: cannot connect"));

    t.config.api_url = t.fake.base_url();
    t.config.total_timeout = 300ms;
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .delay = 3s});
    const auto timed_out = forge_error_from([&] { t.client()->read_issue(5); });
    CHECK(timed_out.code() == Errc::unavailable);
    CHECK_THAT(timed_out.what(), Catch::Contains("timed out"));
}

TEST_CASE("GitHubForge never puts the token in an error message", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    const std::string token(k_test_token);
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .status = 401,
                      .body = R"({"message":"Bad credentials: )" + token + R"("})"});
    const auto forge = t.client();

    const auto error = forge_error_from([&] { forge->read_issue(5); });

    CHECK(error.code() == Errc::unauthorized);
    CHECK(std::string(error.what()).find(token) == std::string::npos);
    CHECK(error.forge_message() == "Bad credentials: ***");
}
