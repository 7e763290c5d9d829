// The Gitea and Forgejo client (one v1 API): token auth, page/limit paging, labels removed by id.
#pragma once

#include "forge/rest_forge.hpp"

namespace forgebot::forge {

/// A Forge speaking Gitea's (and Forgejo's) `/api/v1`. Sends `Authorization: token TOKEN`.
/// Thread-safe.
class GiteaForge final : public RestForge {
public:
    /// `config.kind` should be gitea or forgejo (it names the forge in messages).
    /// Throws forgebot::Error (usage) for an unusable config; makes no request.
    GiteaForge(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport);

    /// Looks the label's id up among the labels, then deletes it by id.
    void remove_label(std::int64_t number, const std::string& name) override;
};

} // namespace forgebot::forge
