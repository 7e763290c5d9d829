// The Forge operations Gitea, Forgejo and GitHub spell the same way, over one RestClient.
#pragma once

#include "forge/client.hpp"
#include "forge/forge.hpp"
#include "forge/rest_client.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace forgebot::forge {

/// A Forge over a REST API shaped like GitHub's v3 (which Gitea's v1 follows): the same paths
/// and JSON records for everything but paging and label removal, which subclasses supply.
/// Throws ForgeError (see RestClient) from every call. Thread-safe.
class RestForge : public Forge {
public:
    // The Forge contract (forge/forge.hpp), plus:
    Issue read_issue(std::int64_t number) override;
    PullRequest read_pr(std::int64_t number) override;
    std::vector<Comment> read_comments(std::int64_t number) override;
    std::vector<PullRequest> list_pull_requests() override;
    /// Drops records with a non-null `pull_request` (GitHub's issue list holds PRs too).
    std::vector<ListedIssue> list_open_issues() override;
    void post_comment(std::int64_t number, const std::string& body) override;
    void update_description(std::int64_t number, const std::string& body) override;
    bool is_org_member(const std::string& org, const std::string& user) override;
    std::string current_user() override;
    PullRequest create_pull_request(const std::string& head, const std::string& base,
                                    const std::string& title, const std::string& body) override;
    /// Checks the label list the forge answers: not_found when `name` is not on it afterwards.
    void add_label(std::int64_t number, const std::string& name) override;
    /// Reads the repository record once (with default_branch) and keeps it for the life of this
    /// object.
    std::string clone_url() override;
    /// Shares clone_url()'s one read of the repository record.
    std::string default_branch() override;

protected:
    /// See RestClient's constructor; `paging` is how this forge's lists page; `pulls_query` is
    /// the query that lists every PR in an order that new activity does not reshuffle;
    /// `open_issues_query` the query that lists the open issues.
    RestForge(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport,
              std::vector<std::pair<std::string, std::string>> headers, std::string api_hint,
              Paging paging, std::string pulls_query, std::string open_issues_query);

    /// `/repos/{o}/{r}/issues/{number}`.
    std::string issue_path(std::int64_t number) const;

    RestClient m_client;

private:
    /// The parts of the repository record forgebot uses.
    struct RepositoryRecord {
        std::string clone_url;
        std::string default_branch;
    };

    const RepositoryRecord& repository();

    Paging m_paging;
    std::string m_pulls_query;
    std::string m_open_issues_query;
    std::mutex m_repository_mutex;
    std::optional<RepositoryRecord> m_repository;
};

} // namespace forgebot::forge
