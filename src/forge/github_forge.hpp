// The GitHub client: bearer auth, versioned media type, Link-header paging, labels removed by name.
#pragma once

#include "forge/rest_forge.hpp"

namespace forgebot::forge {

/// A Forge speaking GitHub's REST API (api.github.com or GitHub Enterprise's `/api/v3`). Sends
/// `Authorization: Bearer TOKEN`, `Accept: application/vnd.github+json` and
/// `X-GitHub-Api-Version: 2022-11-28`. Thread-safe.
class GitHubForge final : public RestForge {
public:
    /// Throws forgebot::Error (usage) for an unusable config; makes no request.
    GitHubForge(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport);

    /// Deletes the label by name; GitHub's 404 (label not on the issue) counts as success.
    void remove_label(std::int64_t number, const std::string& name) override;
};

} // namespace forgebot::forge
