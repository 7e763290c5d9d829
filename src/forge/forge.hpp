// The Forge interface: everything forgebot reads from and writes to one repository's forge.
#pragma once

#include "forge/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::forge {

/// One repository (owner/repo) on a forge. Every call may throw forge::ForgeError (a
/// forgebot::Error) for forge and network failures; ScopedForge throws forgebot::Error
/// (scope_denied) for refused writes. Issue and PR numbers share one sequence, and a PR is also
/// an issue for comments, labels and its description, as on every supported forge.
/// Implementations in this folder are safe to call from several threads.
class Forge {
public:
    Forge(std::string owner, std::string repo);
    virtual ~Forge() = default;
    Forge(const Forge&) = delete;
    Forge& operator=(const Forge&) = delete;

    /// The repository owner (user or organisation) this forge is bound to.
    const std::string& owner() const noexcept { return m_owner; }

    /// The repository name this forge is bound to.
    const std::string& repo() const noexcept { return m_repo; }

    /// The issue (or PR, read as an issue) with this number; not_found when there is none.
    virtual Issue read_issue(std::int64_t number) = 0;

    /// The pull request with this number; not_found when there is none (or it is a plain issue).
    virtual PullRequest read_pr(std::int64_t number) = 0;

    /// Every comment on an issue or PR, oldest first, all pages read.
    virtual std::vector<Comment> read_comments(std::int64_t number) = 0;

    /// Every pull request of the repository, open and closed, all pages read.
    virtual std::vector<PullRequest> list_pull_requests() = 0;

    /// Every open issue of the repository (never a pull request), with its labels and assignees,
    /// all pages read. Rationale: not pure, so that Forge wrappers that never poll need not
    /// implement it; this default throws forgebot::Error (failure).
    virtual std::vector<ListedIssue> list_open_issues();

    /// Adds a comment to an issue or PR.
    virtual void post_comment(std::int64_t number, const std::string& body) = 0;

    /// Replaces the body (description) of an issue or PR.
    virtual void update_description(std::int64_t number, const std::string& body) = 0;

    /// Whether `user` belongs to organisation `org`. Throws ForgeError when the forge gives no
    /// clear answer (e.g. it redirects because the token's user may not see the member list).
    virtual bool is_org_member(const std::string& org, const std::string& user) = 0;

    /// The login of the account the token belongs to (the bot's own account).
    virtual std::string current_user() = 0;

    /// The PR that belongs to `issue` (see pick_pr_for_issue in forge/pr_match.hpp): scans every
    /// PR of the repository.
    virtual std::optional<PullRequest> get_pr_for_issue(std::int64_t issue);

    /// Whether PR `number` is open; not_found when there is no such PR.
    virtual bool is_pr_open(std::int64_t number);

    /// Opens a PR from branch `head` into `base` and returns it as the forge created it.
    virtual PullRequest create_pull_request(const std::string& head, const std::string& base,
                                            const std::string& title, const std::string& body) = 0;

    /// Puts an existing repository label on an issue or PR; not_found when the repository has no
    /// label of that name (where the forge does not create labels on the fly).
    virtual void add_label(std::int64_t number, const std::string& name) = 0;

    /// Takes a label off an issue or PR; succeeds when the label was not there.
    virtual void remove_label(std::int64_t number, const std::string& name) = 0;

    /// The HTTP(S) URL to clone the repository from, as the forge's repository record gives it.
    virtual std::string clone_url() = 0;

    /// The repository's default branch (the usual base of a PR), from the repository record.
    virtual std::string default_branch() = 0;

private:
    std::string m_owner;
    std::string m_repo;
};

} // namespace forgebot::forge
