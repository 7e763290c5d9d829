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

/// The top level of the git work tree containing `dir`, or std::nullopt when `dir` is not in
/// one (or is missing, or git is). Runs git with hooks and the repository's command-running
/// config off.
std::optional<std::filesystem::path> find_repository(const std::filesystem::path& dir);

/// `git worktree add -b BRANCH PATH BASE` in `repo` (any directory of the work tree), hooks
/// off, BRANCH with no upstream; an existing branch BRANCH is deleted first, with the worktree
/// that has it checked out. Throws Error{Errc::invalid_input} when BASE does not name a commit,
/// Error{Errc::usage} when BRANCH is not a valid branch name, Error{Errc::timed_out} when git
/// hangs, Error{Errc::failure} with git's message for other git failures (`repo` not in a
/// work tree, PATH not empty, BRANCH checked out in the main worktree).
Workspace create_worktree(const std::filesystem::path& repo, std::string_view base,
                          std::string_view branch, const std::filesystem::path& path);

/// A clone of `repo` at PATH that borrows repo's objects through alternates (never writes
/// them), with BRANCH created at BASE and checked out, and no remote that points back at the
/// host (so nothing in the clone can write to the host repository). It is a new repository
/// whose only link to the host is `.git/objects/info/alternates` (absolute), so it works with
/// nothing of the host visible but its object directory; the host is not modified at all.
/// `read_only_paths` holds the host's object directory and those it borrows in turn; keep them
/// with the workspace, fetch_back needs them. Throws as create_worktree (PATH must be missing or
/// an empty directory).
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

/// After a session in a reference clone: fetches the workspace's BRANCH into the host
/// repository as refs/heads/BRANCH (forced: the agent's branch is its own), from outside the
/// sandbox, with no hook or workspace config running: the host runs `git fetch` (fsck on) from
/// `upload-pack --strict` on PATH/.git. A no-op for other kinds. Throws Error{Errc::usage} when
/// the workspace's .git is not its own (a symlink or gitdir file, a commondir, alternates naming
/// anything but `read_only_paths`, a symlink in its objects), Error{Errc::failure} with git's
/// message (no such branch in the workspace, or the branch checked out in the host).
void fetch_back(const Workspace& workspace);

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
