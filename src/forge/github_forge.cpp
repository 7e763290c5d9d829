// GitHub specifics: headers and label removal by name.
#include "forge/github_forge.hpp"

namespace forgebot::forge {

namespace {

std::vector<std::pair<std::string, std::string>> github_headers(const std::string& token) {
    std::vector<std::pair<std::string, std::string>> headers{
        {"Accept", "application/vnd.github+json"}, {"X-GitHub-Api-Version", "2022-11-28"}};
    if (!token.empty()) {
        headers.emplace_back("Authorization", "Bearer " + token);
    }
    return headers;
}

} // namespace

GitHubForge::GitHubForge(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport)
    : RestForge(
          config, std::move(transport), github_headers(config.token),
          "https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise",
          // GitHub sorts by creation, newest first: new PRs only repeat items (dropped by id).
          Paging::github, "state=all",
          // The issue list holds PRs too (list_open_issues drops them); `labels` would match
          // exact names only, so the forgebot: prefix is left to the caller.
          "state=open") {}

void GitHubForge::remove_label(std::int64_t number, const std::string& name) {
    const std::string path = issue_path(number) + "/labels/" + url_escape(name);
    const HttpResponse response = m_client.exchange("DELETE", path);
    if ((response.status >= 200 && response.status <= 299) || response.status == 404) {
        return;
    }
    throw m_client.status_error("DELETE", path, response);
}

} // namespace forgebot::forge
