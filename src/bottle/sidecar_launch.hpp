// Starting a run's `forgebot sidecar` outside the sandbox, with the token on an inherited pipe.
#pragma once

#include "bottle/identity.hpp"
#include "forge/client.hpp"
#include "util/child.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace forgebot::bottle {

/// What the sidecar serves.
struct SidecarSpec {
    std::filesystem::path forgebot_binary;
    std::string identity;
    forge::ForgeKind kind = forge::ForgeKind::gitea;
    std::string api_url;
    std::string owner;
    std::string repo;
    std::int64_t issue = 0;
    std::vector<std::int64_t> prs;
    std::filesystem::path workspace; ///< for push_branch
    std::string branch;
    std::string token; ///< written to a pipe the sidecar reads with `--token-fd`
};

/// Starts the sidecar (its stderr appended to `paths.sidecar_log`, in its own process group)
/// and waits until `GET /health` on `paths.socket` answers 200. Throws Error{Errc::unavailable}
/// with the end of its log when it exits or is not healthy within `timeout` (and kills it).
util::Child start_sidecar(const SidecarSpec& spec, const BottlePaths& paths,
                          std::chrono::milliseconds timeout = std::chrono::seconds(15));

/// Whether `GET /health` on `socket` answers 200 within a second.
bool sidecar_healthy(const std::filesystem::path& socket);

} // namespace forgebot::bottle
