// Scope enforcement for forge writes.
#include "forge/scoped_forge.hpp"

#include "util/error.hpp"

namespace forgebot::forge {

ScopedForge::ScopedForge(Forge& inner, std::int64_t issue)
    : Forge(inner.owner(), inner.repo()), m_inner(inner), m_issue(issue), m_writable{issue} {}

void ScopedForge::allow(std::int64_t number) {
    const std::lock_guard lock(m_mutex);
    m_writable.insert(number);
}

std::vector<std::int64_t> ScopedForge::writable() const {
    const std::lock_guard lock(m_mutex);
    return {m_writable.begin(), m_writable.end()};
}

void ScopedForge::require_writable(std::int64_t number) const {
    const std::lock_guard lock(m_mutex);
    if (m_writable.contains(number)) {
        return;
    }
    std::string list;
    for (const auto writable : m_writable) {
        list += list.empty() ? "" : ", ";
        list += std::to_string(writable);
    }
    throw Error(Errc::scope_denied, "write to #" + std::to_string(number) +
                                        " denied: out of assigned scope (writable: " + list + ")");
}

Issue ScopedForge::read_issue(std::int64_t number) {
    return m_inner.read_issue(number);
}

PullRequest ScopedForge::read_pr(std::int64_t number) {
    return m_inner.read_pr(number);
}

std::vector<Comment> ScopedForge::read_comments(std::int64_t number) {
    return m_inner.read_comments(number);
}

std::vector<PullRequest> ScopedForge::list_pull_requests() {
    return m_inner.list_pull_requests();
}

std::vector<ListedIssue> ScopedForge::list_open_issues() {
    return m_inner.list_open_issues();
}

void ScopedForge::post_comment(std::int64_t number, const std::string& body) {
    require_writable(number);
    m_inner.post_comment(number, body);
}

void ScopedForge::update_description(std::int64_t number, const std::string& body) {
    require_writable(number);
    m_inner.update_description(number, body);
}

bool ScopedForge::is_org_member(const std::string& org, const std::string& user) {
    return m_inner.is_org_member(org, user);
}

std::string ScopedForge::current_user() {
    return m_inner.current_user();
}

std::optional<PullRequest> ScopedForge::get_pr_for_issue(std::int64_t issue) {
    return m_inner.get_pr_for_issue(issue);
}

bool ScopedForge::is_pr_open(std::int64_t number) {
    return m_inner.is_pr_open(number);
}

PullRequest ScopedForge::create_pull_request(const std::string& head, const std::string& base,
                                             const std::string& title, const std::string& body) {
    PullRequest pr = m_inner.create_pull_request(head, base, title, body);
    allow(pr.number);
    return pr;
}

void ScopedForge::add_label(std::int64_t number, const std::string& name) {
    require_writable(number);
    m_inner.add_label(number, name);
}

void ScopedForge::remove_label(std::int64_t number, const std::string& name) {
    require_writable(number);
    m_inner.remove_label(number, name);
}

std::string ScopedForge::clone_url() {
    return m_inner.clone_url();
}

std::string ScopedForge::default_branch() {
    return m_inner.default_branch();
}

} // namespace forgebot::forge
