// ScopedForge: writes only inside the assigned issue and its PRs, reads anywhere.
#include "fakes/recording_forge.hpp"
#include "forge/scoped_forge.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using forgebot::Errc;
using forgebot::Error;
using forgebot::forge::ScopedForge;
using forgebot::testing::RecordingForge;

namespace {

/// The scope_denied message a call throws, or "" when it throws nothing.
template <typename Call> std::string denial(Call&& call) {
    try {
        call();
    } catch (const Error& e) {
        CHECK(e.code() == Errc::scope_denied);
        return e.what();
    }
    return {};
}

} // namespace

TEST_CASE("ScopedForge refuses a comment outside the assigned issue", "[forge]") {
    RecordingForge inner;
    ScopedForge scoped(inner, 17);
    scoped.allow(42);

    CHECK(denial([&] { scoped.post_comment(500, "hi"); }) ==
          "write to #500 denied: out of assigned scope (writable: 17, 42)");
    CHECK(inner.calls().empty());
}

TEST_CASE("ScopedForge lists the writable numbers ascending in its refusal", "[forge]") {
    RecordingForge inner;
    ScopedForge scoped(inner, 17);
    scoped.allow(42);
    scoped.allow(5);
    scoped.allow(42);

    CHECK(scoped.writable() == std::vector<std::int64_t>{5, 17, 42});
    CHECK(denial([&] { scoped.update_description(3, "x"); }) ==
          "write to #3 denied: out of assigned scope (writable: 5, 17, 42)");
}

TEST_CASE("ScopedForge refuses every kind of write outside the scope without calling the forge",
          "[forge]") {
    RecordingForge inner;
    ScopedForge scoped(inner, 17);

    const std::string expected = "write to #18 denied: out of assigned scope (writable: 17)";
    CHECK(denial([&] { scoped.post_comment(18, "x"); }) == expected);
    CHECK(denial([&] { scoped.update_description(18, "x"); }) == expected);
    CHECK(denial([&] { scoped.add_label(18, "bug"); }) == expected);
    CHECK(denial([&] { scoped.remove_label(18, "bug"); }) == expected);
    CHECK(inner.calls().empty());
}

TEST_CASE("ScopedForge passes writes to the issue and allowed PRs through", "[forge]") {
    RecordingForge inner;
    ScopedForge scoped(inner, 17);
    scoped.allow(42);

    scoped.post_comment(17, "on the issue");
    scoped.update_description(42, "pr body");
    scoped.add_label(42, "forgebot");
    scoped.remove_label(17, "forgebot:queued");

    CHECK(inner.calls() == std::vector<std::string>{"post_comment 17", "update_description 42",
                                                    "add_label 42 forgebot",
                                                    "remove_label 17 forgebot:queued"});
}

TEST_CASE("ScopedForge passes reads through for any number", "[forge]") {
    RecordingForge inner;
    ScopedForge scoped(inner, 17);

    CHECK(scoped.read_issue(500).number == 500);
    CHECK(scoped.read_pr(501).number == 501);
    CHECK(scoped.read_comments(502).size() == 1);
    CHECK(scoped.list_pull_requests().size() == 1);
    CHECK(scoped.list_open_issues().size() == 1);
    CHECK(inner.calls() == std::vector<std::string>{"read_issue 500", "read_pr 501",
                                                    "read_comments 502", "list_pull_requests",
                                                    "list_open_issues"});
}

TEST_CASE("ScopedForge adds a pull request it creates to the writable set", "[forge]") {
    RecordingForge inner;
    ScopedForge scoped(inner, 17);

    const auto pr = scoped.create_pull_request("forgebot/17-fix", "main", "Fix", "Fixes #17");

    CHECK(pr.number == 100);
    CHECK(scoped.writable() == std::vector<std::int64_t>{17, 100});
    scoped.post_comment(100, "ready");
    CHECK(inner.calls() ==
          std::vector<std::string>{"create_pull_request forgebot/17-fix main", "post_comment 100"});
}

TEST_CASE("ScopedForge passes membership, repository facts, PR lookup and PR state through",
          "[forge]") {
    RecordingForge inner;
    ScopedForge scoped(inner, 17);

    CHECK(scoped.is_org_member("acme", "bob"));
    CHECK(scoped.clone_url() == "https://forge.example/owner/repo.git");
    CHECK(scoped.default_branch() == "main");
    REQUIRE(scoped.get_pr_for_issue(900).has_value());
    CHECK(scoped.is_pr_open(901));
    CHECK(inner.calls() == std::vector<std::string>{"is_org_member acme bob", "clone_url",
                                                    "default_branch", "get_pr_for_issue 900",
                                                    "is_pr_open 901"});
}

TEST_CASE("ScopedForge reports the wrapped forge's repository and its assigned issue", "[forge]") {
    RecordingForge inner;
    const ScopedForge scoped(inner, 17);

    CHECK(scoped.owner() == "owner");
    CHECK(scoped.repo() == "repo");
    CHECK(scoped.issue() == 17);
    CHECK(scoped.writable() == std::vector<std::int64_t>{17});
}
