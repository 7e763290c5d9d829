// Bottle identities (`AGENT-xxxxx`) and where each bottle lives under FORGEBOT_HOME.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace forgebot::bottle {

/// Whether `text` has the shape of an identity: an agent name (`[a-z0-9][a-z0-9_-]*`), `-`,
/// and five characters of lowercase RFC 4648 base32 (`a-z`, `2-7`).
bool is_identity(std::string_view text) noexcept;

/// A fresh identity for `agent`: the name, `-`, five random base32 characters from the
/// kernel's random source. Retries while `taken` says the identity exists; throws
/// Error{Errc::failure} after 64 collisions in a row.
std::string new_identity(std::string_view agent,
                         const std::function<bool(const std::string&)>& taken);

/// Where one bottle's files live: `HOME/bottles/IDENTITY/` and inside it.
struct BottlePaths {
    std::filesystem::path root;
    std::filesystem::path workspace;   ///< the agent's git workspace
    std::filesystem::path home;        ///< the agent's HOME
    std::filesystem::path sidecar_dir; ///< 0700, holds the socket; bound into a sandbox
    std::filesystem::path socket;      ///< the sidecar's socket
    std::filesystem::path queue;       ///< the sidecar's signal_done queue (Maildir)
    std::filesystem::path transcript;  ///< the agent's event stream, JSON lines
    std::filesystem::path agent_log;   ///< the agent's stderr
    std::filesystem::path sidecar_log; ///< the sidecar's stderr
    std::filesystem::path audit_log;   ///< the sidecar's audit log (beside the queue)
    std::filesystem::path mcp_config;  ///< claude's MCP configuration, in the sidecar dir
};

/// The paths of bottle `identity` under the state directory `home`.
BottlePaths bottle_paths(const std::filesystem::path& home, std::string_view identity);

/// Creates the bottle's root, home, sidecar and queue directories, all 0700. Throws
/// Error{Errc::io}; Error{Errc::usage} when the socket path is too long for a Unix socket
/// (FORGEBOT_HOME too deep).
void create_bottle_dirs(const BottlePaths& paths);

} // namespace forgebot::bottle
