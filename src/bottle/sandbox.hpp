// Backends: the exact command line, environment and filesystem view an agent runs with, for
// the plain process backend and for bubblewrap.
#pragma once

#include "bottle/profile.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::bottle {

/// What the agent needs, whichever backend runs it.
struct LaunchRequest {
    std::vector<std::string> argv; ///< the provider's argv; argv[0] a program on `host_path`
    std::map<std::string, std::string> env;           ///< the agent's whole environment
    std::filesystem::path workspace;                  ///< the working directory, writable
    std::filesystem::path home;                       ///< the agent's HOME, writable
    std::optional<std::filesystem::path> sidecar_dir; ///< the socket's directory (forge runs)
    std::vector<std::filesystem::path> read_only;     ///< more paths to show read-only
    std::filesystem::path forgebot_binary;            ///< shown read-only (for `forgebot call`)
    BottleProfile profile;
    std::string host_path; ///< the PATH argv[0] is searched on
};

/// The command forgebot executes for one run.
struct Launch {
    BackendKind backend = BackendKind::process;
    std::filesystem::path program;  ///< the agent's executable, resolved, symlinks followed
    std::vector<std::string> argv;  ///< what is executed (bwrap's argv for bwrap)
    std::vector<std::string> env;   ///< NAME=VALUE, sorted
    std::filesystem::path cwd;      ///< where it starts
    std::vector<std::string> binds; ///< the filesystem view, `ro PATH` / `rw PATH` (bwrap)
};

/// The launch of `request` under `backend`. The agent's argv[0] is resolved on
/// `request.host_path` (symlinks followed): process runs that path; bwrap binds it read-only
/// and runs it inside a sandbox with new user, pid, ipc and uts namespaces (and network, when
/// the profile says `network = "off"`), `--die-with-parent`, `--new-session`, read-only
/// system directories, `/dev`, `/proc`, a private `/tmp`, the workspace and home read-write,
/// the sidecar directory, the forgebot binary and the profile's binds, and nothing else.
/// Throws Error{Errc::not_found} when the agent's program is not on PATH, naming it and PATH.
Launch plan_launch(BackendKind backend, const LaunchRequest& request);

/// Whether bubblewrap is installed and can create its namespaces here, asked once per object.
/// A positive answer is kept in a cache file under a key of everything it depends on (see
/// sandbox.cpp), so that a start need not run bwrap an extra time to find out; a negative one is
/// never kept. Not thread-safe.
class BwrapProbe {
public:
    /// `cache` is the file that keeps a positive answer (empty: none); it is written only when
    /// `may_write` (not for a dry run, which creates nothing).
    BwrapProbe(std::filesystem::path cache, bool may_write);

    /// Whether bwrap is usable here; when it is not and `why` is given, the reason (bwrap's own
    /// message). The cache answers when its key still matches, else bwrap itself (a sandbox
    /// running `true`).
    bool usable(std::string* why = nullptr);

    /// Throws Error{Errc::unavailable}, with bwrap's reason, when usable() is false.
    void require();

    /// After a bwrap run that failed: when the cache had said yes, forgets it and asks bwrap
    /// again; returns the error require() would have thrown when bwrap cannot sandbox after all,
    /// std::nullopt otherwise.
    std::optional<std::string> recheck();

private:
    /// Asks the cache (when `trust_cache`) or bwrap; sets m_why and m_from_cache.
    bool ask(bool trust_cache);

    std::filesystem::path m_cache;
    bool m_may_write;
    std::optional<bool> m_usable;
    bool m_from_cache = false;
    std::string m_why;
};

/// The backend a profile asks for, else bwrap when `bwrap` says it is usable, else process.
BackendKind choose_backend(const BottleProfile& profile, BwrapProbe& bwrap);

/// This forgebot executable, resolved (`/proc/self/exe`).
std::filesystem::path self_executable();

} // namespace forgebot::bottle
