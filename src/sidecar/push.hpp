// push_branch without trusting the agent's repository: fetch into a bare mirror forgebot owns,
// push from there with the token given to that one git process.
#pragma once

#include "forge/client.hpp"
#include "sidecar/service.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::sidecar {

/// Where and what GitPusher pushes.
struct PushConfig {
    std::filesystem::path workspace; ///< the agent's repository (untrusted)
    std::string branch;              ///< the run's branch; the only ref ever pushed
    /// A bare repository outside the workspace and out of the agent's reach, created on demand.
    std::filesystem::path mirror;
    forge::ForgeKind kind = forge::ForgeKind::gitea;
    std::string token;                      ///< given only to the push process, by environment
    std::function<std::string()> clone_url; ///< the forge's http(s) clone_url for the repository
    std::chrono::milliseconds timeout{std::chrono::minutes{5}}; ///< per git process
};

/// Whether `name` may be pushed as refs/heads/NAME: git's refname rules (no `..`, `@{`, `//`,
/// control characters, space, `~^:?*[\`; no component starting with `.` or ending in `.lock`;
/// not starting or ending with `/`, not ending with `.`), and not `-`-led, `@` or `HEAD`.
bool is_valid_branch_name(std::string_view name) noexcept;

/// Pushes the workspace's HEAD to refs/heads/BRANCH on the forge, never forced.
///
/// The agent controls the workspace's .git (hooks, url.*.insteadOf, core.sshCommand, credential
/// helpers, core.fsmonitor, alternates), so git never runs *in* it with the token: the commit is
/// fetched from the workspace into the mirror (`git upload-pack --strict` serves it from
/// WORKSPACE/.git, with no token in its environment and lazy fetching off; no hooks or
/// workspace config apply to the mirror), then pushed from the mirror with hooks off, system
/// and global config ignored, redirects refused, only http(s) allowed, and a credential helper
/// of ours that reads the token from the environment of that one process. A workspace whose
/// .git is a symlink or a gitdir file, or whose object store holds a symlink, alternates or a
/// commondir, is refused, so the agent cannot make the sidecar publish objects of a repository
/// only the sidecar can read.
/// Thread-safe: pushes are serialised.
class GitPusher final : public BranchPusher {
public:
    /// Throws Error{Errc::usage} when the branch is not a valid branch name or the token holds
    /// a control character.
    explicit GitPusher(PushConfig config);

    /// Throws Error{Errc::usage} for an unsafe or empty workspace or a mirror inside it;
    /// forge::ForgeError naming git's reason when the forge refuses the push (Errc::failure for
    /// a rejected update such as a non-fast-forward, Errc::unauthorized for a refused token,
    /// Errc::unavailable when it cannot be reached) or its clone URL is not http(s); and
    /// Error{Errc::timed_out} when git does not finish within the timeout. No message holds the
    /// token.
    PushResult push() override;

private:
    void check_workspace() const;
    util::ProcessResult run_git(const std::vector<std::string>& args, bool with_token) const;
    std::string git(const std::vector<std::string>& args, const std::string& what, Errc code) const;
    Error timed_out(const std::string& what) const;

    PushConfig m_config;
    std::mutex m_mutex;
};

} // namespace forgebot::sidecar
