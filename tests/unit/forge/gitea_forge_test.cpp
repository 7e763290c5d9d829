// The Gitea/Forgejo client over real curl against the fake Gitea server.
#include "forge/gitea_forge.hpp"
#include "forge_fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
using forgebot::Errc;
using forgebot::forge::ForgeKind;
using forgebot::forge::make_forge;
using forgebot::testing::FakeFault;
using forgebot::testing::FakeForge;
using forgebot::testing::FakeForgeFlavor;
using forgebot::testing::FakeIssue;
using forgebot::testing::forge_error_from;
using forgebot::testing::ForgeUnderTest;
using forgebot::testing::k_test_token;
using forgebot::testing::pr_record;
using nlohmann::json;

TEST_CASE("GiteaForge reads an issue with its title, body and state", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "Login fails", .body = "Steps: ...", .state = "open"});

    const auto issue = t.client()->read_issue(5);

    CHECK(issue.number == 5);
    CHECK(issue.title == "Login fails");
    CHECK(issue.body == "Steps: ...");
    CHECK(issue.state == "open");
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5") == 1);
}

TEST_CASE("GiteaForge reads null bodies as empty strings", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "No body", .body = std::nullopt});
    t.fake.put_issue(pr_record(6, "open", "forgebot/5-x", std::nullopt));
    t.fake.add_comment(5, "alice", std::nullopt);
    const auto forge = t.client();

    CHECK(forge->read_issue(5).body.empty());
    CHECK(forge->read_pr(6).body.empty());
    const auto comments = forge->read_comments(5);
    REQUIRE(comments.size() == 1);
    CHECK(comments[0].body.empty());
    CHECK(comments[0].user == "alice");
}

TEST_CASE("GiteaForge reads a pull request with its branches, URL and merge state", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    auto pr = pr_record(8, "closed", "forgebot/5-login", "Fixes #5");
    pr.merged = true;
    t.fake.put_issue(pr);

    const auto read = t.client()->read_pr(8);

    CHECK(read.number == 8);
    CHECK(read.title == "PR 8");
    CHECK(read.body == "Fixes #5");
    CHECK(read.state == "closed");
    CHECK(read.merged);
    CHECK(read.head_branch == "forgebot/5-login");
    CHECK(read.base_branch == "main");
    CHECK(read.url == t.fake.origin() + "/o/r/pulls/8");
}

TEST_CASE("GiteaForge reads comments across three pages", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "Busy"});
    for (int i = 0; i < 120; ++i) {
        t.fake.add_comment(5, "user" + std::to_string(i), "comment " + std::to_string(i));
    }

    const auto comments = t.client()->read_comments(5);

    REQUIRE(comments.size() == 120);
    CHECK(comments.front().body == "comment 0");
    CHECK(comments.back().body == "comment 119");
    CHECK(comments.back().user == "user119");
    std::vector<std::string> queries;
    for (const auto& request : t.fake.requests()) {
        queries.push_back(request.query);
    }
    CHECK(queries ==
          std::vector<std::string>{"page=1&limit=50", "page=2&limit=50", "page=3&limit=50"});
}

TEST_CASE("GiteaForge reads each comment once when the forge ignores paging", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.set_comment_paging(false);
    t.fake.put_issue({.number = 5, .title = "Busy"});
    for (int i = 0; i < 70; ++i) {
        t.fake.add_comment(5, "u", "c" + std::to_string(i));
    }

    CHECK(t.client()->read_comments(5).size() == 70);
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5/comments") == 1);
}

TEST_CASE("GiteaForge stops at a short page when the forge sends no paging headers", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.set_list_headers(false);
    t.fake.put_issue({.number = 5, .title = "Busy"});
    for (int i = 0; i < 120; ++i) {
        t.fake.add_comment(5, "u", "c" + std::to_string(i));
    }

    CHECK(t.client()->read_comments(5).size() == 120);
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5/comments") == 3);
}

TEST_CASE("GiteaForge lists open issues with their labels and assignees, without PRs", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5,
                      .title = "Crash",
                      .body = "trace",
                      .labels = {"bug", "forgebot:claude"},
                      .assignees = {"ann", "bob"}});
    t.fake.put_issue({.number = 6, .title = "Unassigned"});
    t.fake.put_issue(
        {.number = 7, .title = "Done", .state = "closed", .labels = {"forgebot:claude"}});
    t.fake.put_issue(pr_record(8, "open", "forgebot/5-x"));

    const auto issues = t.client()->list_open_issues();

    REQUIRE(issues.size() == 2);
    CHECK(issues[0].issue == forgebot::forge::Issue{6, "Unassigned", "", "open"});
    CHECK(issues[0].labels.empty());
    CHECK(issues[0].assignees.empty());
    CHECK(issues[1].issue == forgebot::forge::Issue{5, "Crash", "trace", "open"});
    CHECK(issues[1].labels == std::vector<std::string>{"bug", "forgebot:claude"});
    CHECK(issues[1].assignees == std::vector<std::string>{"ann", "bob"});
    const auto requests = t.fake.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].target == "/api/v1/repos/o/r/issues?state=open&type=issues&page=1&limit=50");
}

TEST_CASE("GiteaForge lists open issues across three pages", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    for (std::int64_t n = 1; n <= 120; ++n) {
        t.fake.put_issue({.number = n, .title = "issue " + std::to_string(n)});
    }

    const auto issues = t.client()->list_open_issues();

    REQUIRE(issues.size() == 120);
    CHECK(issues.front().issue.number == 120);
    CHECK(issues.back().issue.number == 1);
    std::vector<std::string> queries;
    for (const auto& request : t.fake.requests()) {
        queries.push_back(request.query);
    }
    CHECK(queries == std::vector<std::string>{"state=open&type=issues&page=1&limit=50",
                                              "state=open&type=issues&page=2&limit=50",
                                              "state=open&type=issues&page=3&limit=50"});
}

TEST_CASE("GiteaForge drops PRs from the issue list when the forge ignores type=issues",
          "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues",
                      .status = 200,
                      .body = R"([{"id":1,"number":3,"title":"PR","state":"open",
                                   "pull_request":{"merged":false},"assignee":{"login":"ann"}},
                                  {"id":2,"number":2,"title":"Issue","state":"open",
                                   "pull_request":null,"assignees":null,
                                   "assignee":{"login":"ann"}}])"});

    const auto issues = t.client()->list_open_issues();

    REQUIRE(issues.size() == 1);
    CHECK(issues[0].issue.number == 2);
    CHECK(issues[0].assignees == std::vector<std::string>{"ann"});
}

TEST_CASE("GiteaForge posts a comment as JSON", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});

    t.client()->post_comment(5, "Working on it: \"quotes\" and\nnewlines");

    const auto comments = t.fake.comments(5);
    REQUIRE(comments.size() == 1);
    CHECK(comments[0].body == "Working on it: \"quotes\" and\nnewlines");
    CHECK(comments[0].user == "forgebot");
    const auto request = t.fake.requests().back();
    CHECK(request.method == "POST");
    CHECK(request.path == "/repos/o/r/issues/5/comments");
    CHECK(request.headers.at("content-type") == "application/json");
    CHECK(json::parse(request.body) == json{{"body", "Working on it: \"quotes\" and\nnewlines"}});
}

TEST_CASE("GiteaForge updates the description of an issue and of a PR", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x", .body = "old"});
    t.fake.put_issue(pr_record(6, "open", "forgebot/5-x", "old pr"));
    const auto forge = t.client();

    forge->update_description(5, "new issue body");
    forge->update_description(6, "new pr body");

    CHECK(t.fake.issue(5)->body == "new issue body");
    CHECK(t.fake.issue(6)->body == "new pr body");
    CHECK(t.fake.count("PATCH", "/repos/o/r/issues/6") == 1);
    CHECK(json::parse(t.fake.requests().back().body) == json{{"body", "new pr body"}});
}

TEST_CASE("GiteaForge answers membership from 204 and 404 and names other statuses", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_org_member("acme", "alice");
    t.fake.add_fault({.method = "GET",
                      .path = "/orgs/acme/members/carol",
                      .status = 500,
                      .body = R"({"message":"database is locked"})"});
    const auto forge = t.client();

    CHECK(forge->is_org_member("acme", "alice"));
    CHECK_FALSE(forge->is_org_member("acme", "bob"));
    const auto error = forge_error_from([&] { forge->is_org_member("acme", "carol"); });
    CHECK(error.code() == Errc::server_error);
    CHECK(error.http_status() == 500);
    CHECK(error.forge_message() == "database is locked");
    CHECK(std::string(error.what()) ==
          "gitea GET /orgs/acme/members/carol: 500 internal server error: database is locked");
}

TEST_CASE("GiteaForge refuses to guess membership when the forge redirects", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_fault({.method = "GET",
                      .path = "/orgs/acme/members/bob",
                      .status = 303,
                      .body = " ",
                      .headers = {{"Location", "/api/v1/orgs/acme/public_members/bob"}}});

    const auto error = forge_error_from([&] { t.client()->is_org_member("acme", "bob"); });

    CHECK(error.code() == Errc::forbidden);
    CHECK(error.http_status() == 303);
    CHECK_THAT(error.what(), Catch::Contains("cannot see the members of 'acme'"));
}

TEST_CASE("GiteaForge finds the PR of an issue among every PR", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "the issue"});
    for (std::int64_t n = 10; n < 70; ++n) {
        t.fake.put_issue(pr_record(n, "open", "feature/" + std::to_string(n)));
    }
    t.fake.put_issue(pr_record(11, "closed", "forgebot/5-first"));
    t.fake.put_issue(pr_record(12, "open", "someone/branch", "This resolves #5."));
    t.fake.put_issue(pr_record(13, "closed", "forgebot/5-second"));
    t.fake.put_issue(pr_record(14, "open", "x", "fixes #50"));
    const auto forge = t.client();

    const auto pr = forge->get_pr_for_issue(5);

    REQUIRE(pr.has_value());
    CHECK(pr->number == 12);
    CHECK(t.fake.count("GET", "/repos/o/r/pulls") == 2);
    CHECK(t.fake.requests().front().query == "state=all&sort=oldest&page=1&limit=50");
    CHECK_FALSE(forge->get_pr_for_issue(6).has_value());
}

TEST_CASE("GiteaForge tells whether a PR is open", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue(pr_record(6, "open", "a"));
    t.fake.put_issue(pr_record(7, "closed", "b"));
    const auto forge = t.client();

    CHECK(forge->is_pr_open(6));
    CHECK_FALSE(forge->is_pr_open(7));
    CHECK(forge_error_from([&] { forge->is_pr_open(8); }).code() == Errc::not_found);
}

TEST_CASE("GiteaForge creates a pull request", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "the issue"});

    const auto pr =
        t.client()->create_pull_request("forgebot/5-fix", "main", "Fix login", "Fixes #5");

    CHECK(pr.number == 6);
    CHECK(pr.state == "open");
    CHECK(pr.head_branch == "forgebot/5-fix");
    CHECK(pr.base_branch == "main");
    CHECK(pr.url == t.fake.origin() + "/o/r/pulls/6");
    REQUIRE(t.fake.issue(6).has_value());
    CHECK(t.fake.issue(6)->is_pull);
    CHECK(json::parse(t.fake.requests().back().body) == json{{"head", "forgebot/5-fix"},
                                                             {"base", "main"},
                                                             {"title", "Fix login"},
                                                             {"body", "Fixes #5"}});
}

TEST_CASE("GiteaForge adds a label by name", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_repo_label("forgebot:working");

    t.client()->add_label(5, "forgebot:working");

    CHECK(t.fake.issue(5)->labels == std::vector<std::string>{"forgebot:working"});
    CHECK(json::parse(t.fake.requests().back().body) ==
          json{{"labels", json::array({"forgebot:working"})}});
}

TEST_CASE("GiteaForge fails to add a label the repository does not have", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});

    const auto error = forge_error_from([&] { t.client()->add_label(5, "nope"); });

    CHECK(error.code() == Errc::not_found);
    CHECK(error.http_status() == 404);
}

TEST_CASE("GiteaForge removes a label by id and succeeds when it is absent", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_repo_label("other");
    const auto id = t.fake.add_repo_label("forgebot:working");
    t.fake.put_issue({.number = 5, .title = "x", .labels = {"other", "forgebot:working"}});
    const auto forge = t.client();

    forge->remove_label(5, "forgebot:working");
    CHECK(t.fake.issue(5)->labels == std::vector<std::string>{"other"});
    CHECK(t.fake.count("DELETE", "/repos/o/r/issues/5/labels/" + std::to_string(id)) == 1);

    forge->remove_label(5, "forgebot:working");
    forge->remove_label(5, "never-existed");
    const auto requests = t.fake.requests();
    CHECK(std::count_if(requests.begin(), requests.end(),
                        [](const auto& request) { return request.method == "DELETE"; }) == 1);
}

TEST_CASE("GiteaForge reads clone URL and default branch from one repository record read",
          "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.set_clone_url("https://git.example.com/o/r.git");
    t.fake.set_default_branch("develop");
    const auto forge = t.client();

    CHECK(forge->clone_url() == "https://git.example.com/o/r.git");
    CHECK(forge->default_branch() == "develop");
    CHECK(forge->clone_url() == "https://git.example.com/o/r.git");
    CHECK(t.fake.count("GET", "/repos/o/r") == 1);
}

TEST_CASE("GiteaForge rejects a repository record without a clone URL", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r",
                      .status = 200,
                      .body = R"({"name":"r","clone_url":null,"default_branch":"main"})"});

    const auto error = forge_error_from([&] { t.client()->clone_url(); });

    CHECK(error.code() == Errc::bad_response);
    CHECK(std::string(error.what()) ==
          "gitea GET /repos/o/r: forge's repository record has no clone_url");
}

TEST_CASE("GiteaForge sends its token as 'Authorization: token'", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});

    t.client()->read_issue(5);

    const auto request = t.fake.requests().back();
    CHECK(request.headers.at("authorization") == "token " + std::string(k_test_token));
    CHECK(request.headers.at("accept") == "application/json");
    CHECK(request.headers.at("user-agent") == "forgebot");
}

TEST_CASE("GiteaForge reports a rejected token as unauthorized", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.set_token("another-token");
    t.fake.put_issue({.number = 5, .title = "x"});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::unauthorized);
    CHECK(std::string(error.what()) ==
          "gitea GET /repos/o/r/issues/5: 401 unauthorized: token is required");
}

TEST_CASE("GiteaForge names the status and the forge's message in errors", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "POST",
                      .path = "/repos/o/r/issues/5/comments",
                      .status = 403,
                      .body = R"({"message":"user is blocked"})"});
    t.fake.add_fault({.method = "PATCH",
                      .path = "/repos/o/r/issues/5",
                      .status = 422,
                      .body = R"({"message":"[Body]: too long"})"});
    const auto forge = t.client();

    const auto missing = forge_error_from([&] { forge->read_issue(99); });
    CHECK(missing.code() == Errc::not_found);
    CHECK(missing.http_status() == 404);
    CHECK(missing.forge_message() == "issue does not exist");
    CHECK(std::string(missing.what()) ==
          "gitea GET /repos/o/r/issues/99: 404 not found: issue does not exist");

    const auto blocked = forge_error_from([&] { forge->post_comment(5, "x"); });
    CHECK(blocked.code() == Errc::forbidden);
    CHECK(std::string(blocked.what()) ==
          "gitea POST /repos/o/r/issues/5/comments: 403 forbidden: user is blocked");

    const auto invalid = forge_error_from([&] { forge->update_description(5, "x"); });
    CHECK(invalid.code() == Errc::failure);
    CHECK(invalid.http_status() == 422);
}

TEST_CASE("GiteaForge retries a GET after 503 and succeeds", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .count = 2, .status = 503});

    CHECK(t.client()->read_issue(5).title == "x");
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5") == 3);
    CHECK(t.sleeps->waits().size() == 2);
}

TEST_CASE("GiteaForge waits as long as Retry-After asks before retrying", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .status = 429,
                      .headers = {{"Retry-After", "2"}}});

    CHECK(t.client()->read_issue(5).title == "x");
    CHECK(t.sleeps->waits() == std::vector<std::chrono::milliseconds>{2000ms});
}

TEST_CASE("GiteaForge fails at once when Retry-After exceeds the longest wait", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .count = 5,
                      .status = 429,
                      .headers = {{"Retry-After", "120"}}});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::rate_limited);
    CHECK(error.retry_after() == std::chrono::seconds{120});
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5") == 1);
    CHECK(t.sleeps->waits().empty());
}

TEST_CASE("GiteaForge gives up after max_attempts, backing off between tries", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.config.retry.base_delay = 4ms;
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .count = 10, .status = 503});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::server_error);
    CHECK(error.http_status() == 503);
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5") == 4);
    const auto waits = t.sleeps->waits();
    REQUIRE(waits.size() == 3);
    CHECK((waits[0] >= 4ms && waits[0] <= 5ms));
    CHECK((waits[1] >= 8ms && waits[1] <= 10ms));
    CHECK((waits[2] >= 16ms && waits[2] <= 20ms));
}

TEST_CASE("GiteaForge never retries a write", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "POST",
                      .path = "/repos/o/r/issues/5/comments",
                      .count = 5,
                      .status = 503,
                      .headers = {{"Retry-After", "1"}}});
    t.fake.add_fault({.method = "PATCH", .path = "/repos/o/r/issues/5", .count = 5, .status = 502});
    const auto forge = t.client();

    CHECK(forge_error_from([&] { forge->post_comment(5, "once"); }).code() == Errc::server_error);
    CHECK(forge_error_from([&] { forge->update_description(5, "x"); }).code() ==
          Errc::server_error);
    CHECK(t.fake.count("POST", "/repos/o/r/issues/5/comments") == 1);
    CHECK(t.fake.count("PATCH", "/repos/o/r/issues/5") == 1);
    CHECK(t.sleeps->waits().empty());
    CHECK(t.fake.comments(5).empty());
}

TEST_CASE("GiteaForge reports an HTML answer as bad_response with a hint", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .html = true});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::bad_response);
    CHECK(std::string(error.what()) ==
          "gitea GET /repos/o/r/issues/5: forge answered HTML, not JSON: is the API URL the API "
          "base (https://HOST/api/v1)?");
}

TEST_CASE("GiteaForge hints at the API base when the URL lacks /api/v1", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.config.api_url = t.fake.origin() + "/";
    t.fake.put_issue({.number = 5, .title = "x"});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::not_found);
    CHECK_THAT(error.what(), Catch::Contains("is the API URL the API base (https://HOST/api/v1)?"));
}

TEST_CASE("GiteaForge reports a truncated answer as bad_response", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .truncate = true});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::bad_response);
    CHECK(error.http_status() == 0);
    CHECK_THAT(error.what(), Catch::StartsWith("gitea GET /repos/o/r/issues/5: forge answer was "
                                               "cut short"));
}

TEST_CASE("GiteaForge rejects JSON cut off inside a complete answer", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .status = 200,
                      .body = R"({"number":5,"title":"x)"});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::bad_response);
    CHECK_THAT(error.what(), Catch::Contains("forge answered truncated JSON"));
}

TEST_CASE("GiteaForge rejects an issue record without a number", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .status = 200,
                      .body = R"({"title":"x","body":null})"});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::bad_response);
    CHECK(std::string(error.what()) ==
          "gitea GET /repos/o/r/issues/5: forge answered an issue without 'number'");
}

TEST_CASE("GiteaForge reports a refused connection as unavailable after retrying", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    {
        const FakeForge gone(FakeForgeFlavor::gitea);
        t.config.api_url = gone.base_url();
    }

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::unavailable);
    CHECK(error.http_status() == 0);
    CHECK_THAT(error.what(), Catch::StartsWith("gitea GET /repos/o/r/issues/5: cannot connect"));
    CHECK(t.sleeps->waits().size() == 3);
}

TEST_CASE("GiteaForge reports a timeout as unavailable and says it timed out", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.config.total_timeout = 300ms;
    t.config.retry.max_attempts = 1;
    t.fake.put_issue({.number = 5, .title = "x"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/5", .delay = 3s});

    const auto error = forge_error_from([&] { t.client()->read_issue(5); });

    CHECK(error.code() == Errc::unavailable);
    CHECK_THAT(error.what(), Catch::Contains("timed out"));
}

TEST_CASE("GiteaForge never puts the token in an error message", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    const std::string token(k_test_token);
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/5",
                      .status = 401,
                      .body = R"({"message":"bad token )" + token + R"("})"});
    t.fake.add_fault({.method = "GET", .path = "/repos/o/r/issues/6", .html = true});
    // The token straddles the 300-byte cut of the forge message: no prefix may survive.
    t.fake.add_fault({.method = "GET",
                      .path = "/repos/o/r/issues/8",
                      .status = 400,
                      .body = R"({"message":")" + std::string(290, 'x') + token + R"("})"});
    std::vector<std::string> messages;
    {
        const auto forge = t.client();
        const auto echoed = forge_error_from([&] { forge->read_issue(5); });
        messages.emplace_back(echoed.what());
        messages.push_back(echoed.forge_message());
        messages.emplace_back(forge_error_from([&] { forge->read_issue(6); }).what());
        messages.emplace_back(forge_error_from([&] { forge->read_issue(7); }).what());
        const auto cut = forge_error_from([&] { forge->read_issue(8); });
        messages.emplace_back(cut.what());
        messages.push_back(cut.forge_message());
    }
    {
        t.config.api_url = "http://127.0.0.1:1/api/v1";
        t.config.retry.max_attempts = 1;
        messages.emplace_back(forge_error_from([&] { t.client()->read_issue(5); }).what());
    }
    try {
        t.config.api_url = "ftp://user:" + token + "@host/api/v1";
        t.client();
    } catch (const forgebot::Error& e) {
        messages.emplace_back(e.what());
    }

    REQUIRE(messages.size() == 8);
    for (const auto& message : messages) {
        INFO(message);
        CHECK(message.find(token.substr(0, 8)) == std::string::npos);
    }
    CHECK_THAT(messages[0], Catch::Contains("bad token ***"));
}

TEST_CASE("make_forge refuses a forge URL that is not HTTP(S)", "[forge]") {
    forgebot::forge::ForgeConfig config;
    config.api_url = "ftp://x";
    config.owner = "o";
    config.repo = "r";
    try {
        make_forge(config);
        FAIL("make_forge accepted ftp://x");
    } catch (const forgebot::Error& e) {
        CHECK(e.code() == Errc::usage);
        CHECK(std::string(e.what()) == "forge URL 'ftp://x' is not HTTP(S)");
    }
    config.api_url = "https://git.example.com/api/v1";
    config.owner.clear();
    CHECK_THROWS_WITH(make_forge(config), "forge repository owner is empty");
    config.owner = "o";
    config.repo.clear();
    CHECK_THROWS_WITH(make_forge(config), "forge repository name is empty");
}

TEST_CASE("GiteaForge trims a trailing slash from the API URL", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.config.api_url += "/";
    t.fake.put_issue({.number = 5, .title = "x"});

    CHECK(t.client()->read_issue(5).title == "x");
    CHECK(t.fake.requests().back().target == "/api/v1/repos/o/r/issues/5");
}

TEST_CASE("GiteaForge escapes owner and repo in request paths", "[forge]") {
    FakeForge fake(FakeForgeFlavor::gitea, "my org", "re/po");
    auto sleeps = std::make_shared<forgebot::testing::SleepLog>();
    auto config = forgebot::testing::config_for(fake, ForgeKind::gitea, sleeps);
    config.owner = "my org";
    config.repo = "re/po";
    fake.put_issue({.number = 1, .title = "escaped"});

    CHECK(make_forge(config)->read_issue(1).title == "escaped");
    CHECK(fake.requests().back().path == "/repos/my%20org/re%2Fpo/issues/1");
}

TEST_CASE("make_forge serves Forgejo with the Gitea client under its own name", "[forge]") {
    ForgeUnderTest t(ForgeKind::forgejo);
    t.fake.put_issue({.number = 5, .title = "x"});
    const auto forge = t.client();

    CHECK(dynamic_cast<forgebot::forge::GiteaForge*>(forge.get()) != nullptr);
    CHECK(forge->read_issue(5).title == "x");
    CHECK_THAT(forge_error_from([&] { forge->read_issue(9); }).what(),
               Catch::StartsWith("forgejo GET /repos/o/r/issues/9: 404 not found"));
}
