// Choosing and configuring a forge client: the forge kind, its connection settings, the factory.
#pragma once

#include "forge/forge.hpp"
#include "forge/http.hpp"
#include "forge/retry.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace forgebot::forge {

/// Which API dialect a forge speaks. Gitea and Forgejo share the v1 API.
enum class ForgeKind { gitea, forgejo, github };

/// Parses `gitea`, `forgejo` or `github` (any case). Throws forgebot::Error (usage) otherwise.
ForgeKind parse_forge_kind(std::string_view text);

/// The lowercase name of a kind, as parse_forge_kind reads it and error messages show it.
std::string_view to_string(ForgeKind kind) noexcept;

/// Everything needed to talk to one repository on one forge.
struct ForgeConfig {
    ForgeKind kind = ForgeKind::gitea;
    /// The API base: `https://HOST/api/v1` for Gitea/Forgejo, `https://api.github.com` (or
    /// `https://HOST/api/v3`) for GitHub. http:// is accepted; a trailing `/` is ignored.
    std::string api_url;
    std::string owner;
    std::string repo;
    /// Sent in the Authorization header only; never logged or put in a message. May be empty.
    std::string token;
    std::chrono::milliseconds connect_timeout{std::chrono::seconds{10}};
    std::chrono::milliseconds total_timeout{std::chrono::seconds{60}};
    RetryPolicy retry;
    /// How the client waits between retries. Tests inject a recorder.
    std::function<void(std::chrono::milliseconds)> sleep = [](std::chrono::milliseconds delay) {
        std::this_thread::sleep_for(delay);
    };
};

/// A client for `config.kind` over libcurl. Throws forgebot::Error (usage) when the URL is not
/// http(s), owner or repo is empty, or the token contains a line break; no request is made.
std::unique_ptr<Forge> make_forge(const ForgeConfig& config);

/// The same over a caller-supplied transport (a fake in unit tests).
std::unique_ptr<Forge> make_forge(const ForgeConfig& config,
                                  std::shared_ptr<HttpTransport> transport);

} // namespace forgebot::forge
