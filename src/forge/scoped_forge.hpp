// A Forge that lets a run write only to its assigned issue and that issue's pull requests.
#pragma once

#include "forge/forge.hpp"

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace forgebot::forge {

/// Wraps another Forge (not owned; it must outlive this object) for one run assigned to one
/// issue. Reads pass through for any number. Writes (post_comment, update_description,
/// add_label, remove_label) go through only for numbers in the writable set, which starts as
/// {issue}; otherwise they throw forgebot::Error (scope_denied)
/// `write to #500 denied: out of assigned scope (writable: 17, 42)` without calling the wrapped
/// forge. create_pull_request is always allowed (the caller fixes the head branch) and its PR
/// joins the writable set. Everything else (membership, clone URL, default branch, PR lookup and
/// state) passes through. Thread-safe if the wrapped forge is.
class ScopedForge final : public Forge {
public:
    ScopedForge(Forge& inner, std::int64_t issue);

    /// The assigned issue.
    std::int64_t issue() const noexcept { return m_issue; }

    /// Adds a number (a PR of the issue) to the writable set.
    void allow(std::int64_t number);

    /// The writable numbers, ascending.
    std::vector<std::int64_t> writable() const;

    // The Forge contract (forge/forge.hpp), with the scope rules above.
    Issue read_issue(std::int64_t number) override;
    PullRequest read_pr(std::int64_t number) override;
    std::vector<Comment> read_comments(std::int64_t number) override;
    std::vector<PullRequest> list_pull_requests() override;
    std::vector<ListedIssue> list_open_issues() override;
    void post_comment(std::int64_t number, const std::string& body) override;
    void update_description(std::int64_t number, const std::string& body) override;
    bool is_org_member(const std::string& org, const std::string& user) override;
    std::string current_user() override;
    std::optional<PullRequest> get_pr_for_issue(std::int64_t issue) override;
    bool is_pr_open(std::int64_t number) override;
    PullRequest create_pull_request(const std::string& head, const std::string& base,
                                    const std::string& title, const std::string& body) override;
    void add_label(std::int64_t number, const std::string& name) override;
    void remove_label(std::int64_t number, const std::string& name) override;
    std::string clone_url() override;
    std::string default_branch() override;

private:
    void require_writable(std::int64_t number) const;

    Forge& m_inner;
    std::int64_t m_issue;
    mutable std::mutex m_mutex;
    std::set<std::int64_t> m_writable;
};

} // namespace forgebot::forge
