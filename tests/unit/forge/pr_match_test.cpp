// Matching PRs to issues by branch name and closing keywords.
#include "forge/pr_match.hpp"

#include <catch2/catch.hpp>

using forgebot::forge::has_closing_reference;
using forgebot::forge::pick_pr_for_issue;
using forgebot::forge::pr_belongs_to_issue;
using forgebot::forge::PullRequest;

namespace {

PullRequest pr(std::int64_t number, std::string state, std::string head, std::string body = {}) {
    PullRequest out;
    out.number = number;
    out.state = std::move(state);
    out.head_branch = std::move(head);
    out.body = std::move(body);
    return out;
}

} // namespace

TEST_CASE("has_closing_reference accepts every closing keyword in any case", "[forge]") {
    for (const char* keyword : {"close", "closes", "closed", "fix", "fixes", "fixed", "resolve",
                                "resolves", "resolved", "FIXES", "Closes"}) {
        INFO(keyword);
        CHECK(has_closing_reference(std::string(keyword) + " #17", 17));
    }
    CHECK(has_closing_reference("This PR\n\nFixes: #17.", 17));
    CHECK(has_closing_reference("resolves #17, closes #18", 18));
}

TEST_CASE("has_closing_reference wants the exact number and a whole keyword", "[forge]") {
    CHECK_FALSE(has_closing_reference("fixes #170", 17));
    CHECK_FALSE(has_closing_reference("fixes #1", 17));
    CHECK_FALSE(has_closing_reference("see #17", 17));
    CHECK_FALSE(has_closing_reference("prefixes #17", 17));
    CHECK_FALSE(has_closing_reference("fixing #17", 17));
    CHECK_FALSE(has_closing_reference("", 17));
}

TEST_CASE("pr_belongs_to_issue matches forgebot branches of that issue only", "[forge]") {
    CHECK(pr_belongs_to_issue(pr(1, "open", "forgebot/17-add-login"), 17));
    CHECK(pr_belongs_to_issue(pr(1, "open", "forgebot/17"), 17));
    CHECK_FALSE(pr_belongs_to_issue(pr(1, "open", "forgebot/170-other"), 17));
    CHECK_FALSE(pr_belongs_to_issue(pr(1, "open", "feature/17-x"), 17));
    CHECK(pr_belongs_to_issue(pr(1, "open", "feature/x", "Closes #17"), 17));
}

TEST_CASE("pick_pr_for_issue prefers open PRs, then the highest number", "[forge]") {
    const std::vector<PullRequest> prs{
        pr(30, "closed", "forgebot/17-old"), pr(31, "open", "x", "fixes #17"),
        pr(35, "closed", "forgebot/17-newer"), pr(33, "open", "forgebot/17-b"),
        pr(40, "open", "forgebot/18-other")};

    const auto picked = pick_pr_for_issue(prs, 17);
    REQUIRE(picked.has_value());
    CHECK(picked->number == 33);

    const auto closed_only = pick_pr_for_issue({prs[0], prs[2]}, 17);
    REQUIRE(closed_only.has_value());
    CHECK(closed_only->number == 35);

    CHECK_FALSE(pick_pr_for_issue(prs, 99).has_value());
}
