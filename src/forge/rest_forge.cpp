// The forge operations shared by the Gitea and GitHub clients.
#include "forge/rest_forge.hpp"

#include "forge/api_json.hpp"

namespace forgebot::forge {

RestForge::RestForge(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport,
                     std::vector<std::pair<std::string, std::string>> headers, std::string api_hint,
                     Paging paging, std::string pulls_query, std::string open_issues_query)
    : Forge(config.owner, config.repo),
      m_client(config, std::move(transport), std::move(headers), std::move(api_hint)),
      m_paging(paging), m_pulls_query(std::move(pulls_query)),
      m_open_issues_query(std::move(open_issues_query)) {}

std::string RestForge::issue_path(std::int64_t number) const {
    return m_client.repo_path() + "/issues/" + std::to_string(number);
}

Issue RestForge::read_issue(std::int64_t number) {
    const std::string path = issue_path(number);
    return issue_from_json(m_client.call("GET", path), m_client.context("GET", path));
}

PullRequest RestForge::read_pr(std::int64_t number) {
    const std::string path = m_client.repo_path() + "/pulls/" + std::to_string(number);
    return pull_request_from_json(m_client.call("GET", path), m_client.context("GET", path));
}

std::vector<Comment> RestForge::read_comments(std::int64_t number) {
    const std::string path = issue_path(number) + "/comments";
    const std::string context = m_client.context("GET", path);
    std::vector<Comment> comments;
    for (const auto& record : m_client.get_all(path, m_paging)) {
        comments.push_back(comment_from_json(record, context));
    }
    return comments;
}

std::vector<PullRequest> RestForge::list_pull_requests() {
    const std::string path = m_client.repo_path() + "/pulls?" + m_pulls_query;
    const std::string context = m_client.context("GET", path);
    std::vector<PullRequest> prs;
    for (const auto& record : m_client.get_all(path, m_paging)) {
        prs.push_back(pull_request_from_json(record, context));
    }
    return prs;
}

std::vector<ListedIssue> RestForge::list_open_issues() {
    const std::string path = m_client.repo_path() + "/issues?" + m_open_issues_query;
    const std::string context = m_client.context("GET", path);
    std::vector<ListedIssue> issues;
    for (const auto& record : m_client.get_all(path, m_paging)) {
        const auto pull = record.find("pull_request");
        if (pull != record.end() && !pull->is_null()) {
            continue;
        }
        issues.push_back(listed_issue_from_json(record, context));
    }
    return issues;
}

void RestForge::post_comment(std::int64_t number, const std::string& body) {
    const nlohmann::json request{{"body", body}};
    m_client.call("POST", issue_path(number) + "/comments", &request);
}

void RestForge::update_description(std::int64_t number, const std::string& body) {
    const nlohmann::json request{{"body", body}};
    m_client.call("PATCH", issue_path(number), &request);
}

bool RestForge::is_org_member(const std::string& org, const std::string& user) {
    if (org.empty() || user.empty()) {
        throw Error(Errc::invalid_input,
                    "organisation membership needs an organisation and a user");
    }
    const std::string path = "/orgs/" + url_escape(org) + "/members/" + url_escape(user);
    const HttpResponse response = m_client.exchange("GET", path);
    if (response.status >= 200 && response.status <= 299) {
        return true;
    }
    if (response.status == 404) {
        return false;
    }
    if (response.status == 302 || response.status == 303) {
        // Both forges redirect to the public member list when the token's user may not see the
        // full one; answering from the public list would call private members outsiders.
        throw m_client.error(Errc::forbidden, "GET", path,
                             std::to_string(response.status) +
                                 " redirect: the token's user cannot see the members of '" + org +
                                 "' (it is not a member itself)",
                             response.status);
    }
    throw m_client.status_error("GET", path, response);
}

std::string RestForge::current_user() {
    const nlohmann::json record = m_client.call("GET", "/user");
    std::string login = string_field(record, "login");
    if (login.empty()) {
        throw m_client.error(Errc::bad_response, "GET", "/user",
                             "forge's user record has no login");
    }
    return login;
}

PullRequest RestForge::create_pull_request(const std::string& head, const std::string& base,
                                           const std::string& title, const std::string& body) {
    const std::string path = m_client.repo_path() + "/pulls";
    const nlohmann::json request{{"head", head}, {"base", base}, {"title", title}, {"body", body}};
    return pull_request_from_json(m_client.call("POST", path, &request),
                                  m_client.context("POST", path));
}

void RestForge::add_label(std::int64_t number, const std::string& name) {
    const std::string path = issue_path(number) + "/labels";
    const nlohmann::json request{{"labels", nlohmann::json::array({name})}};
    const nlohmann::json labels = m_client.call("POST", path, &request);
    if (!labels.is_array()) {
        return;
    }
    for (const auto& label : labels) {
        if (string_field(label, "name") == name) {
            return;
        }
    }
    throw m_client.error(Errc::not_found, "POST", path,
                         "label '" + name + "' is not on #" + std::to_string(number) +
                             " afterwards: does the repository have that label?");
}

const RestForge::RepositoryRecord& RestForge::repository() {
    if (!m_repository) {
        const std::string& path = m_client.repo_path();
        const nlohmann::json record = m_client.call("GET", path);
        RepositoryRecord repository{string_field(record, "clone_url"),
                                    string_field(record, "default_branch")};
        for (const auto& [field, value] :
             {std::pair{"clone_url", &repository.clone_url},
              std::pair{"default_branch", &repository.default_branch}}) {
            if (value->empty()) {
                throw m_client.error(Errc::bad_response, "GET", path,
                                     std::string("forge's repository record has no ") + field);
            }
        }
        m_repository = std::move(repository);
    }
    return *m_repository;
}

std::string RestForge::clone_url() {
    const std::lock_guard lock(m_repository_mutex);
    return repository().clone_url;
}

std::string RestForge::default_branch() {
    const std::lock_guard lock(m_repository_mutex);
    return repository().default_branch;
}

} // namespace forgebot::forge
