// Forge kinds and the factory that picks a client for one.
#include "forge/client.hpp"

#include "forge/curl_transport.hpp"
#include "forge/gitea_forge.hpp"
#include "forge/github_forge.hpp"

#include <string>

namespace forgebot::forge {

ForgeKind parse_forge_kind(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (lower == "gitea") {
        return ForgeKind::gitea;
    }
    if (lower == "forgejo") {
        return ForgeKind::forgejo;
    }
    if (lower == "github") {
        return ForgeKind::github;
    }
    throw Error(Errc::usage, "unknown forge kind '" + std::string(text) +
                                 "' (expected gitea, forgejo or github)");
}

std::string_view to_string(ForgeKind kind) noexcept {
    switch (kind) {
    case ForgeKind::gitea:
        return "gitea";
    case ForgeKind::forgejo:
        return "forgejo";
    case ForgeKind::github:
        return "github";
    }
    return "gitea";
}

std::unique_ptr<Forge> make_forge(const ForgeConfig& config,
                                  std::shared_ptr<HttpTransport> transport) {
    if (config.kind == ForgeKind::github) {
        return std::make_unique<GitHubForge>(config, std::move(transport));
    }
    return std::make_unique<GiteaForge>(config, std::move(transport));
}

std::unique_ptr<Forge> make_forge(const ForgeConfig& config) {
    return make_forge(
        config, std::make_shared<CurlTransport>(config.connect_timeout, config.total_timeout));
}

} // namespace forgebot::forge
