// The agent's git workspace: a worktree, a clone borrowing the host's objects, a fresh forge
// clone, or a copy; and what happens to it when a session ends or the bottle is destroyed.
#pragma once

#include "forge/client.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::bottle {

/// How a workspace was made, which decides how it is fetched back and removed.
enum class WorkspaceKind {
    worktree,        ///< `git worktree add` in the host repository (process backend)
    reference_clone, ///< a local clone borrowing the host's objects read-only (bwrap backend)
    forge_clone,     ///< a fresh clone of the forge repository (forge runs)
    copy,            ///< a plain copy of a directory that is not a git repository (`--copy`)
};

/// `"worktree"`, `"reference_clone"`, `"forge_clone"`, `"copy"`.
std::string_view workspace_kind_name(WorkspaceKind kind) noexcept;

/// The kind named `name`, or std::nullopt.
std::optional<WorkspaceKind> parse_workspace_kind(std::string_view name) noexcept;

/// One workspace as a bottle records it.
struct Workspace {
    WorkspaceKind kind = WorkspaceKind::worktree;
    std::filesystem::path path; ///< the agent's working directory
    std::string branch;         ///< the agent's branch; empty for a copy
    /// The user's repository (its top level) for worktree and reference_clone; the copied
    /// directory for copy; empty for forge_clone.
    std::filesystem::path source;
    /// Paths a sandbox must also show read-only for the workspace to work (the host's object
    /// directory that a reference clone borrows).
    std::vector<std::filesystem::path> read_only_paths;
};

// Every function here runs git through util::run_git (no hook, no system or global config, the
// repository's command-running settings overridden) and never runs git commands that would apply
// a workspace's filters or diff drivers in a workspace the agent touched. They keep no state
// and may run concurrently on different workspaces.

/// The user's repository as one `git rev-parse` sees it: all that making a worktree or a
/// reference clone of it needs to know before anything is changed.
struct HostRepository {
    std::filesystem::path top;         ///< the top level of its work tree, absolute
    std::filesystem::path common_dir;  ///< its (common) git directory, absolute as git prints it
    std::string base;                  ///< BASE as given
    std::optional<std::string> commit; ///< the commit BASE names; std::nullopt when none
};

/// The git work tree containing `repo` and the commit BASE names in it, asked with one
/// `git rev-parse` (hooks and the repository's command-running config off). A BASE that names
/// no commit is not an error here (create_worktree and create_reference_clone refuse it). Throws
/// Error{Errc::failure} with git's reason when `repo` is not in a work tree or is missing,
/// Error{Errc::timed_out} when git hangs, Error{Errc::io} when git cannot be started.
HostRepository open_repository(const std::filesystem::path& repo, std::string_view base);

/// open_repository(dir, base), or std::nullopt when `dir` is not in a git work tree (or is
/// missing, or git is).
std::optional<HostRepository> find_repository(const std::filesystem::path& dir,
                                              std::string_view base = "HEAD");

/// `git worktree add -b BRANCH PATH COMMIT` in `host`, hooks off, BRANCH with no upstream, at
/// the commit `host` names; an existing branch BRANCH is deleted first, with the worktree that
/// has it checked out. Throws Error{Errc::invalid_input} when `host` names no commit,
/// Error{Errc::usage} when BRANCH is not a valid branch name, Error{Errc::timed_out} when git
/// hangs, Error{Errc::failure} with git's message for other git failures (PATH not empty,
/// BRANCH checked out in the main worktree).
Workspace create_worktree(const HostRepository& host, std::string_view branch,
                          const std::filesystem::path& path);

/// create_worktree(open_repository(repo, base), branch, path), BRANCH checked first.
Workspace create_worktree(const std::filesystem::path& repo, std::string_view base,
                          std::string_view branch, const std::filesystem::path& path);

/// A clone of `host` at PATH that borrows its objects through alternates (never writes them),
/// with BRANCH created at the commit `host` names and checked out, and no remote that points
/// back at the host (so nothing in the clone can write to the host repository). It is a new
/// repository whose only link to the host is `.git/objects/info/alternates` (absolute), so it
/// works with nothing of the host visible but its object directory; the host is not modified at
/// all. `read_only_paths` holds the host's object directory and those it borrows in turn; keep
/// them with the workspace, fetch_back needs them. Throws as create_worktree (PATH must be
/// missing or an empty directory).
Workspace create_reference_clone(const HostRepository& host, std::string_view branch,
                                 const std::filesystem::path& path);

/// create_reference_clone(open_repository(repo, base), branch, path), BRANCH checked first.
Workspace create_reference_clone(const std::filesystem::path& repo, std::string_view base,
                                 std::string_view branch, const std::filesystem::path& path);

/// How to clone a forge repository.
struct ForgeCloneSource {
    std::string clone_url; ///< http(s); plain http is accepted (a forge on loopback)
    std::string token;     ///< given only to the clone's git process, never stored
    forge::ForgeKind kind = forge::ForgeKind::gitea;
    std::optional<std::string> base; ///< branch to start from; default: the remote's HEAD
};

/// A fresh clone of `source.clone_url` at `path` on a new branch BRANCH from base. The token
/// reaches only that git process (a credential helper reading it from that process's
/// environment); `.git/config` holds the URL without credentials. Redirects are refused, tags
/// not fetched. Throws Error{Errc::unavailable} when the forge cannot be reached,
/// Error{Errc::unauthorized} when it refuses the token (other HTTP statuses as
/// forge::errc_for_status), Error{Errc::usage} for a URL that is not http(s) or carries
/// credentials, Error{Errc::invalid_input} when the forge has no branch `base`,
/// Error{Errc::timed_out}, Error{Errc::failure} otherwise; no message holds the token. A failed
/// clone leaves no repository at PATH.
Workspace create_forge_clone(const ForgeCloneSource& source, std::string_view branch,
                             const std::filesystem::path& path);

/// A recursive copy of the directory `from` at `path` (symlinks copied as symlinks). Throws
/// Error{Errc::io} when `from` is no directory, `path` is inside it or exists and is not an
/// empty directory, or copying fails.
Workspace copy_directory(const std::filesystem::path& from, const std::filesystem::path& path);

/// The commit BRANCH names in a reference clone, read from its loose ref file
/// (`.git/refs/heads/BRANCH`) without running git; std::nullopt for other kinds, and when it
/// cannot be told that way (no such file, a symlink or special file, a symbolic ref, anything but
/// one object id and a newline). Never blocks on what the agent left there.
std::optional<std::string> read_branch_tip(const Workspace& workspace);

/// After a session in a reference clone: fetches the workspace's BRANCH into the host
/// repository as refs/heads/BRANCH (forced: the agent's branch is its own), from outside the
/// sandbox, with no hook or workspace config running: the host runs `git fetch` (fsck on) from
/// `upload-pack --strict` on PATH/.git. When `tip_at_start` is given and read_branch_tip still
/// finds it, there is nothing new to fetch: the host's branch is set to that commit with
/// `git branch --force` (one process instead of the fetch's four), which like the fetch refuses a
/// branch checked out in the host; the fetch runs when that fails. A no-op for other kinds.
/// Throws Error{Errc::usage} when the workspace's .git is not its own (a symlink or gitdir file,
/// a commondir, alternates naming anything but `read_only_paths`, a symlink in its objects),
/// Error{Errc::failure} with git's message (no such branch in the workspace, or the branch
/// checked out in the host).
void fetch_back(const Workspace& workspace,
                const std::optional<std::string>& tip_at_start = std::nullopt);

/// Whether the branch was pushed: some remote-tracking ref in the host repository (worktree,
/// reference_clone) contains the branch's tip, or the branch has an upstream. For forge_clone:
/// whether the workspace's branch exists on its `origin` remote-tracking refs. False for copy.
/// A reference clone's tip is read from the host, so it is false until fetch_back. Throws only
/// Error{Errc::io} when git cannot be started.
bool branch_pushed(const Workspace& workspace);

/// Removes the workspace: worktree → `git worktree remove --force --force` in the host (even a
/// locked one; the directory deleted if git cannot), then prune; clones and copies → the
/// directory deleted. Deletes BRANCH from the host repository (worktree, reference_clone)
/// unless `keep_branch`. Missing workspaces and branches are not errors. Throws
/// Error{Errc::failure} when something cannot be removed, when BRANCH is checked out in the
/// host, and for a PATH that is or holds `source`.
void remove_workspace(const Workspace& workspace, bool keep_branch);

} // namespace forgebot::bottle
