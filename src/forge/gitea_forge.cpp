// Gitea/Forgejo specifics: headers and label removal by id.
#include "forge/gitea_forge.hpp"

#include "forge/api_json.hpp"

#include <cstdint>

namespace forgebot::forge {

namespace {

std::vector<std::pair<std::string, std::string>> gitea_headers(const std::string& token) {
    std::vector<std::pair<std::string, std::string>> headers{{"Accept", "application/json"}};
    if (!token.empty()) {
        headers.emplace_back("Authorization", "token " + token);
    }
    return headers;
}

} // namespace

GiteaForge::GiteaForge(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport)
    : RestForge(config, std::move(transport), gitea_headers(config.token), "https://HOST/api/v1",
                Paging::gitea,
                // Rationale: Gitea sorts by recent update by default, so a PR updated while we
                // page would move to page 1 and be missed; creation order only ever appends.
                "state=all&sort=oldest",
                // Rationale: Gitea's issue list takes no sort; an issue that moves while we page
                // is seen at the next poll.
                "state=open&type=issues") {}

void GiteaForge::remove_label(std::int64_t number, const std::string& name) {
    const std::string list_path = issue_path(number) + "/labels";
    // Rationale: Gitea answers an issue's labels in one unpaged list (no page/limit parameters).
    const nlohmann::json labels = m_client.call("GET", list_path);
    if (!labels.is_array()) {
        throw m_client.error(Errc::bad_response, "GET", list_path,
                             "forge answered something other than a list of labels");
    }
    std::optional<std::int64_t> id;
    for (const auto& label : labels) {
        const auto it = label.find("id");
        if (string_field(label, "name") == name && it != label.end() && it->is_number_integer()) {
            id = it->get<std::int64_t>();
            break;
        }
    }
    if (!id) {
        return;
    }
    const std::string path = list_path + "/" + std::to_string(*id);
    const HttpResponse response = m_client.exchange("DELETE", path);
    if ((response.status >= 200 && response.status <= 299) || response.status == 404) {
        return;
    }
    throw m_client.status_error("DELETE", path, response);
}

} // namespace forgebot::forge
