// The Forge interface's shared behaviour, written once in terms of the other calls.
#include "forge/forge.hpp"

#include "forge/pr_match.hpp"
#include "util/error.hpp"

#include <utility>

namespace forgebot::forge {

Forge::Forge(std::string owner, std::string repo)
    : m_owner(std::move(owner)), m_repo(std::move(repo)) {}

std::optional<PullRequest> Forge::get_pr_for_issue(std::int64_t issue) {
    return pick_pr_for_issue(list_pull_requests(), issue);
}

std::vector<ListedIssue> Forge::list_open_issues() {
    throw Error(Errc::failure,
                "this forge client cannot list the issues of " + m_owner + "/" + m_repo);
}

bool Forge::is_pr_open(std::int64_t number) {
    return read_pr(number).state == "open";
}

} // namespace forgebot::forge
