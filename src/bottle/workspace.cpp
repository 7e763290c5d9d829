// Making, fetching back and removing the agent's workspaces, running git only in ways that a
// workspace the agent touched cannot turn into running a command.
#include "bottle/workspace.hpp"

#include "forge/forge_error.hpp"
#include "util/error.hpp"
#include "util/git.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

// Rationale: every git here goes through util::run_git, so no hook runs and the repository's
// command-running config (core.fsmonitor, credential helpers, askpass) is overridden. What a
// repository's config could still run (filters, diff.external, textconv, gpg.program,
// core.alternateRefsCommand) only runs for checkout, status, diff, signing, or a fetch *into* a
// repository with alternates, so git never does those in a repository the agent touched: the
// fetch back runs in the host and reads the workspace through `upload-pack --strict`, which runs
// none of them (read_branch_tip, which may spare it, reads one ref file and follows no link);
// worktree removal runs in the host and `worktree remove --force` neither checks
// the tree's status nor runs filters; branch_pushed reads refs only. Checkouts happen once, in
// a repository forgebot has just made (reference and forge clones, no config of the agent's
// yet) or in a new worktree of the user's own repository. Residual risks: for the worktree kind
// the agent (process backend, unsandboxed) can edit the host's own .git/config, which forgebot
// then trusts, and the process backend is no sandbox anyway; with system and global config
// ignored, filters the user set up globally (Git LFS) do not run, so such files show as
// pointers in a fresh workspace.

namespace forgebot::bottle {

namespace fs = std::filesystem;

namespace {

/// Local git operations (a checkout of a large repository included).
constexpr std::chrono::milliseconds k_local_timeout = std::chrono::minutes{10};
/// A clone over the network.
constexpr std::chrono::milliseconds k_clone_timeout = std::chrono::minutes{30};

/// Runs git hardened in `dir` with `config` added.
util::ProcessResult git_in(const fs::path& dir, const std::vector<std::string>& args,
                           util::GitSettings config = {}) {
    util::GitOptions options;
    options.cwd = dir;
    options.config = std::move(config);
    options.timeout = k_local_timeout;
    return util::run_git(args, options);
}

/// The first line git printed, "" when none.
std::string first_line(const std::string& out) {
    const auto lines = util::git_output_lines(out);
    return lines.empty() ? std::string() : lines.front();
}

/// Throws Error{Errc::failure, "cannot WHAT: REASON"} (Errc::timed_out when git ran out of
/// time) unless `result` is a success.
void require_success(const util::ProcessResult& result, const std::string& what) {
    if (result.timed_out) {
        throw Error(Errc::timed_out, "cannot " + what + ": git did not finish within " +
                                         std::to_string(k_local_timeout.count()) + " ms");
    }
    if (result.exit_code != 0) {
        throw Error(Errc::failure, "cannot " + what + ": " + util::git_failure_reason(result.err));
    }
}

/// git_in that must succeed; returns the first line of its output.
std::string git_ok(const fs::path& dir, const std::vector<std::string>& args,
                   const std::string& what, util::GitSettings config = {}) {
    const auto result = git_in(dir, args, std::move(config));
    require_success(result, what);
    return first_line(result.out);
}

/// `path` absolute and normalised, symlinks resolved as far as it exists; throws
/// Error{Errc::io}.
fs::path absolute_path(const fs::path& path) {
    std::error_code ec;
    auto out = fs::weakly_canonical(fs::absolute(path, ec), ec);
    if (ec || out.empty()) {
        throw Error(Errc::io, "cannot resolve " + path.string() + ": " + ec.message());
    }
    return out;
}

/// Creates `dir` and its parents as needed; throws Error{Errc::io}.
void make_directories(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        throw Error(Errc::io, "cannot create " + dir.string() + ": " + ec.message());
    }
}

/// Whether `inner` is `outer` or below it (both absolute and normalised).
bool is_within(const fs::path& inner, const fs::path& outer) {
    const auto relative = inner.lexically_relative(outer);
    return !relative.empty() && *relative.begin() != "..";
}

void require_branch_name(std::string_view branch) {
    if (!util::is_valid_branch_name(branch)) {
        throw Error(Errc::usage, "cannot use '" + util::tidy_git_line(std::string(branch)) +
                                     "' as the workspace's branch: not a valid branch name (see "
                                     "git-check-ref-format(1))");
    }
}

/// Throws Error{Errc::failure} when `path` exists and is not an empty directory.
void require_free(const fs::path& path) {
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    if (!fs::exists(status)) {
        return;
    }
    if (!fs::is_directory(status) || !fs::is_empty(path, ec) || ec) {
        throw Error(Errc::failure, "cannot create the workspace: " + path.string() +
                                       " already exists and is not an empty directory");
    }
}

/// The commit `host` names; throws Error{Errc::invalid_input} when it names none.
const std::string& base_commit(const HostRepository& host) {
    if (!host.commit) {
        throw Error(Errc::invalid_input, "cannot start the workspace from '" +
                                             util::tidy_git_line(host.base) +
                                             "': it names no commit in " + host.top.string());
    }
    return *host.commit;
}

/// Whether refs/heads/BRANCH exists in the repository at `top`.
bool has_branch(const fs::path& top, std::string_view branch) {
    return git_in(top, {"rev-parse", "--verify", "--quiet", "refs/heads/" + std::string(branch)})
               .exit_code == 0;
}

/// Deletes refs/heads/BRANCH (and its config) from the repository at `top` when it exists.
void delete_branch(const fs::path& top, std::string_view branch) {
    if (has_branch(top, branch)) {
        git_ok(top, {"branch", "--quiet", "-D", "--", std::string(branch)},
               "delete the branch " + std::string(branch) + " in " + top.string());
    }
}

/// Deletes the tree at `path`, making directories writable when a first attempt fails; a
/// missing path is fine. Throws Error{Errc::failure}.
void remove_tree(const fs::path& path) {
    if (path.empty() || path == path.root_path()) {
        throw Error(Errc::failure, "cannot remove the workspace '" + path.string() +
                                       "': refusing to delete a root or empty path");
    }
    std::error_code ec;
    fs::remove_all(path, ec);
    if (!ec) {
        return;
    }
    // Each directory is made writable before the iterator descends into it.
    std::error_code ignored;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ignored);
    for (fs::recursive_directory_iterator it(path, ignored), end; !ignored && it != end;
         it.increment(ignored)) {
        if (it->is_directory(ignored) && !it->is_symlink(ignored)) {
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
        }
    }
    ec.clear();
    fs::remove_all(path, ec);
    if (ec) {
        throw Error(Errc::failure,
                    "cannot remove the workspace " + path.string() + ": " + ec.message());
    }
}

/// The worktrees of the repository at `top` that have refs/heads/BRANCH checked out, as `git
/// worktree list --porcelain` names them; `main` is set when the first (main) worktree does.
std::vector<fs::path> worktrees_on(const fs::path& top, std::string_view branch, bool& main) {
    const auto result = git_in(top, {"worktree", "list", "--porcelain"});
    require_success(result, "list the worktrees of " + top.string());
    std::vector<fs::path> found;
    main = false;
    std::optional<fs::path> current;
    bool first = true;
    for (const auto& line : util::git_output_lines(result.out)) {
        if (line.starts_with("worktree ")) {
            if (current) {
                first = false;
            }
            current = fs::path(line.substr(9));
        } else if (current && line == "branch refs/heads/" + std::string(branch)) {
            if (first) {
                main = true;
            } else {
                found.push_back(*current);
            }
        }
    }
    return found;
}

/// `git worktree remove --force --force PATH` in the repository at `top`, falling back to
/// deleting the directory (a worktree whose .git file was broken); then prunes.
void remove_worktree(const fs::path& top, const fs::path& path) {
    // Rationale: one --force skips the status check (which would run the worktree's filters and
    // fsmonitor), the second removes a worktree someone locked.
    const auto result =
        git_in(top, {"worktree", "remove", "--force", "--force", "--", path.string()});
    std::error_code ec;
    if (result.exit_code != 0 && fs::exists(fs::symlink_status(path, ec))) {
        remove_tree(path);
    }
    git_ok(top, {"worktree", "prune"}, "prune the worktrees of " + top.string());
}

/// The object directories a repository whose objects live in `objects` reads: it and, through
/// alternates, those it borrows (absolute; relative entries are relative to `objects`).
std::vector<fs::path> object_dirs(const fs::path& objects) {
    std::vector<fs::path> out;
    std::vector<fs::path> pending{objects};
    std::set<fs::path> seen;
    while (!pending.empty()) {
        const fs::path dir = pending.back();
        pending.pop_back();
        if (!seen.insert(dir).second) {
            continue;
        }
        out.push_back(dir);
        std::ifstream in(dir / "info" / "alternates");
        for (std::string line; std::getline(in, line);) {
            if (line.empty() || line.front() == '#') {
                continue;
            }
            const fs::path entry(line);
            pending.push_back((entry.is_absolute() ? entry : dir / entry).lexically_normal());
        }
    }
    return out;
}

/// What a failed clone of `url` means, with git's reason (the token redacted).
Error clone_error(const util::ProcessResult& result, const std::string& url,
                  const std::string& token) {
    if (result.timed_out) {
        return Error(Errc::timed_out, "cannot clone " + url + ": git did not finish within " +
                                          std::to_string(k_clone_timeout.count()) + " ms");
    }
    const std::string reason = util::redact(util::git_failure_reason(result.err), token);
    const int status = util::git_http_status(reason);
    Errc code = Errc::failure;
    if (status != 0) {
        code = forge::errc_for_status(status, false);
    } else if (util::git_unreachable(reason)) {
        code = Errc::unavailable;
    } else if (reason.starts_with("Remote branch ") &&
               reason.find(" not found") != std::string::npos) {
        code = Errc::invalid_input;
    }
    return Error(code, "cannot clone " + url + ": " + reason +
                           (status == 401 ? "; check the token forgebot was given" : ""));
}

/// Refuses a clone URL that is not http(s), carries credentials or a control character.
void require_clone_url(const std::string& url) {
    const bool http = url.starts_with("https://") || url.starts_with("http://");
    const auto authority_start = url.find("://");
    const auto authority =
        authority_start == std::string::npos
            ? std::string()
            : url.substr(authority_start + 3,
                         url.find_first_of("/?#", authority_start + 3) - (authority_start + 3));
    const bool control = std::any_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (!http || control || authority.empty()) {
        throw Error(Errc::usage, "cannot clone '" + util::tidy_git_line(url) +
                                     "': the forge's clone URL is not http(s); workspaces are "
                                     "cloned only over http(s)");
    }
    if (authority.find('@') != std::string::npos) {
        throw Error(Errc::usage, "cannot clone the forge's repository: its clone URL carries "
                                 "credentials; forgebot passes the token itself");
    }
}

} // namespace

std::string_view workspace_kind_name(WorkspaceKind kind) noexcept {
    switch (kind) {
    case WorkspaceKind::worktree:
        return "worktree";
    case WorkspaceKind::reference_clone:
        return "reference_clone";
    case WorkspaceKind::forge_clone:
        return "forge_clone";
    case WorkspaceKind::copy:
        return "copy";
    }
    return "worktree";
}

std::optional<WorkspaceKind> parse_workspace_kind(std::string_view name) noexcept {
    for (const auto kind : {WorkspaceKind::worktree, WorkspaceKind::reference_clone,
                            WorkspaceKind::forge_clone, WorkspaceKind::copy}) {
        if (workspace_kind_name(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

std::optional<fs::path> find_repository(const fs::path& dir) {
    try {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            return std::nullopt;
        }
        const auto result = git_in(dir, {"rev-parse", "--show-toplevel"});
        const std::string top = first_line(result.out);
        if (result.exit_code != 0 || top.empty()) {
            return std::nullopt;
        }
        return absolute_path(top);
    } catch (const Error&) {
        return std::nullopt;
    }
}

HostRepository open_repository(const fs::path& repo, std::string_view base) {
    std::vector<std::string> args{"rev-parse", "--path-format=absolute", "--show-toplevel",
                                  "--git-common-dir"};
    // A BASE that git could take for an option is never passed: it names no commit.
    const bool ask_base = !base.empty() && base.front() != '-';
    if (ask_base) {
        args.insert(args.end(),
                    {"--verify", "--quiet", "--end-of-options", std::string(base) + "^{commit}"});
    }
    // Rationale: one process answers what took four or five (the top level, twice; the git
    // directory, twice; BASE). git prints the two paths before it looks at BASE, so a BASE that
    // names no commit still leaves both, and only the exit status says that it failed.
    const auto result = git_in(repo, args);
    const auto lines = util::git_output_lines(result.out);
    const std::string what = "use " + repo.string() + " as the repository";
    if (result.timed_out || lines.size() < 2) {
        require_success(result, what);
        throw Error(Errc::failure, "cannot " + what + ": git did not name its top level");
    }
    HostRepository host{absolute_path(lines[0]), lines[1], std::string(base), std::nullopt};
    if (ask_base && result.exit_code == 0 && lines.size() == 3) {
        host.commit = lines[2];
    }
    return host;
}

std::optional<HostRepository> find_repository(const fs::path& dir, std::string_view base) {
    try {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            return std::nullopt;
        }
        return open_repository(dir, base);
    } catch (const Error&) {
        return std::nullopt;
    }
}

Workspace create_worktree(const HostRepository& host, std::string_view branch,
                          const fs::path& path) {
    require_branch_name(branch);
    const fs::path& top = host.top;
    const std::string& commit = base_commit(host);
    const fs::path dest = absolute_path(path);
    const std::string name(branch);
    // Rationale: from the commit id, not BASE's name, so a remote-tracking BASE does not become
    // the branch's upstream (branch_pushed reads an upstream as "pushed").
    const std::vector<std::string> add{"worktree", "add", "--quiet",     "--no-track", "-b",
                                       name,       "--",  dest.string(), commit};
    // Rationale: the branch is new but for a stale bottle's, so adding is tried first and the
    // branch looked for only when that fails (`worktree add -b` of an existing branch fails
    // before it makes anything); that saves a git process on every start.
    auto result = git_in(top, add);
    if (!result.timed_out && result.exit_code != 0 && has_branch(top, branch)) {
        git_ok(top, {"worktree", "prune"}, "prune the worktrees of " + top.string());
        bool main = false;
        for (const auto& stale : worktrees_on(top, branch, main)) {
            remove_worktree(top, stale);
        }
        if (main) {
            throw Error(Errc::failure, "cannot reuse the branch " + name + ": it is checked out " +
                                           "in " + top.string() +
                                           "; switch that to another "
                                           "branch first");
        }
        delete_branch(top, branch);
        result = git_in(top, add);
    }
    require_success(result, "create the worktree " + dest.string());
    return Workspace{WorkspaceKind::worktree, dest, name, top, {}};
}

Workspace create_worktree(const fs::path& repo, std::string_view base, std::string_view branch,
                          const fs::path& path) {
    require_branch_name(branch);
    return create_worktree(open_repository(repo, base), branch, path);
}

Workspace create_reference_clone(const HostRepository& host, std::string_view branch,
                                 const fs::path& path) {
    require_branch_name(branch);
    const fs::path& top = host.top;
    const std::string& commit = base_commit(host);
    const fs::path objects = absolute_path(host.common_dir / "objects");
    const fs::path dest = absolute_path(path);
    require_free(dest);
    std::error_code ec;
    const bool created = !fs::exists(fs::symlink_status(dest, ec));
    const std::string name(branch);
    const std::string what = "create the clone " + dest.string();
    try {
        make_directories(dest);
        // Rationale: a new repository, not `git clone`: nothing is copied or fetched from the
        // host and no remote or ref names it; the only link is the alternates file, so the
        // clone works with nothing of the host visible but its object directory. No template:
        // no hooks directory at all.
        git_ok(dest, {"init", "--quiet", "--template=", "--initial-branch=" + name, "--", "."},
               what);
        const fs::path info = dest / ".git" / "objects" / "info";
        make_directories(info);
        std::ofstream out(info / "alternates", std::ios::binary | std::ios::trunc);
        out << objects.string() << '\n';
        out.close();
        if (!out) {
            throw Error(Errc::io,
                        "cannot " + what + ": cannot write " + (info / "alternates").string());
        }
        git_ok(dest, {"update-ref", "refs/heads/" + name, commit}, what);
        git_ok(dest, {"reset", "--quiet", "--hard", commit}, what);
    } catch (...) {
        // PATH was missing or empty: leave it so.
        fs::remove_all(dest, ec);
        if (!created) {
            fs::create_directory(dest, ec);
        }
        throw;
    }
    return Workspace{WorkspaceKind::reference_clone, dest, name, top, object_dirs(objects)};
}

Workspace create_reference_clone(const fs::path& repo, std::string_view base,
                                 std::string_view branch, const fs::path& path) {
    require_branch_name(branch);
    return create_reference_clone(open_repository(repo, base), branch, path);
}

Workspace create_forge_clone(const ForgeCloneSource& source, std::string_view branch,
                             const fs::path& path) {
    require_branch_name(branch);
    require_clone_url(source.clone_url);
    if (source.base && !util::is_valid_branch_name(*source.base)) {
        throw Error(Errc::invalid_input, "cannot clone from the branch '" +
                                             util::tidy_git_line(*source.base) +
                                             "': not a valid branch name");
    }
    const fs::path dest = absolute_path(path);
    require_free(dest);
    make_directories(dest.parent_path());
    util::GitOptions options;
    options.cwd = dest.parent_path();
    options.token = source.token;
    if (const char* ca = std::getenv("FORGEBOT_CA_FILE"); ca != nullptr) {
        options.ca_file = ca;
    }
    options.timeout = k_clone_timeout;
    std::vector<std::string> args{"clone", "--quiet", "--no-tags"};
    if (source.base) {
        args.insert(args.end(), {"--branch", *source.base});
    }
    args.insert(args.end(), {"--", source.clone_url, dest.string()});
    const auto result = util::run_git(args, options);
    if (result.timed_out || result.exit_code != 0) {
        std::error_code ignored;
        if (fs::exists(dest / ".git", ignored)) {
            fs::remove_all(dest, ignored);
        }
        throw clone_error(result, source.clone_url, source.token);
    }
    const std::string name(branch);
    try {
        git_ok(dest, {"checkout", "--quiet", "-b", name},
               "create the branch " + name + " in " + dest.string());
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(dest, ignored);
        throw;
    }
    return Workspace{WorkspaceKind::forge_clone, dest, name, {}, {}};
}

Workspace copy_directory(const fs::path& from, const fs::path& path) {
    const fs::path source = absolute_path(from);
    const fs::path dest = absolute_path(path);
    std::error_code ec;
    if (!fs::is_directory(source, ec)) {
        throw Error(Errc::io, "cannot copy " + from.string() + ": not a directory");
    }
    if (is_within(dest, source)) {
        throw Error(Errc::io, "cannot copy " + source.string() + " to " + dest.string() +
                                  ": the copy would be inside the directory copied");
    }
    if (fs::exists(fs::symlink_status(dest, ec)) &&
        (!fs::is_directory(dest, ec) || !fs::is_empty(dest, ec) || ec)) {
        throw Error(Errc::io, "cannot copy " + source.string() + ": " + dest.string() +
                                  " already exists and is not an empty directory");
    }
    ec.clear();
    fs::create_directories(dest, ec);
    if (!ec) {
        fs::copy(source, dest, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    }
    if (ec) {
        throw Error(Errc::io, "cannot copy " + source.string() + " to " + dest.string() + ": " +
                                  ec.message());
    }
    return Workspace{WorkspaceKind::copy, dest, {}, source, {}};
}

std::optional<std::string> read_branch_tip(const Workspace& workspace) {
    if (workspace.kind != WorkspaceKind::reference_clone ||
        !util::is_valid_branch_name(workspace.branch)) {
        return std::nullopt;
    }
    const fs::path file = workspace.path / ".git" / "refs" / "heads" / workspace.branch;
    // Rationale: the agent may have left a symlink or a FIFO there; neither is followed or
    // waited on, only a plain file is read.
    const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    struct stat st {};
    char text[80]; // 64 hex digits (SHA-256) and a newline at the most
    ssize_t size = -1;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        size = ::read(fd, text, sizeof text);
    }
    ::close(fd);
    if (size < 2 || text[size - 1] != '\n') {
        return std::nullopt;
    }
    const std::string_view id(text, static_cast<std::size_t>(size - 1));
    if ((id.size() != 40 && id.size() != 64) ||
        id.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(id);
}

void fetch_back(const Workspace& workspace, const std::optional<std::string>& tip_at_start) {
    if (workspace.kind != WorkspaceKind::reference_clone) {
        return;
    }
    require_branch_name(workspace.branch);
    const std::string what = "fetch " + workspace.branch + " back from " + workspace.path.string();
    const fs::path dot_git = workspace.path / ".git";
    util::check_own_git_dir(dot_git, what, workspace.read_only_paths);
    if (tip_at_start && read_branch_tip(workspace) == tip_at_start) {
        // Rationale: the branch names the commit it named when the session started, which the
        // host has (the base, or what the last fetch back brought), so no object would come:
        // what the forced fetch would do is set the host's branch, and `git branch --force` does
        // that in one process instead of four, refusing as the fetch does a branch checked out
        // in the host. Whatever it refuses (the commit missing too), the fetch then does or
        // reports as before.
        const auto set = git_in(workspace.source, {"branch", "--quiet", "--force", "--no-track",
                                                   "--", workspace.branch, *tip_at_start});
        if (!set.timed_out && set.exit_code == 0) {
            return;
        }
    }
    // Rationale: the host fetches (its own config, hooks off) from upload-pack --strict run on
    // the workspace, which runs no hook or filter; fsck refuses objects crafted to attack a
    // later checkout of the branch.
    const auto result =
        git_in(workspace.source,
               {"fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head",
                std::string("--upload-pack=") + util::k_strict_upload_pack, "--", dot_git.string(),
                "+refs/heads/" + workspace.branch + ":refs/heads/" + workspace.branch},
               {{"protocol.file.allow", "always"}, {"fetch.fsckObjects", "true"}});
    require_success(result, what);
}

bool branch_pushed(const Workspace& workspace) {
    const std::string& branch = workspace.branch;
    if (workspace.kind == WorkspaceKind::copy || !util::is_valid_branch_name(branch)) {
        return false;
    }
    if (workspace.kind == WorkspaceKind::forge_clone) {
        // Rationale: read through upload-pack --strict from outside, as fetch_back does, rather
        // than running git in the workspace.
        const std::string ref = "refs/remotes/origin/" + branch;
        const auto result =
            git_in(fs::path("/"),
                   {"ls-remote", std::string("--upload-pack=") + util::k_strict_upload_pack, "--",
                    (workspace.path / ".git").string(), ref},
                   {{"protocol.file.allow", "always"}});
        if (result.exit_code != 0) {
            return false;
        }
        const auto lines = util::git_output_lines(result.out);
        return std::any_of(lines.begin(), lines.end(),
                           [&](const std::string& line) { return line.ends_with("\t" + ref); });
    }
    const fs::path& top = workspace.source;
    std::error_code ec;
    if (!fs::is_directory(top, ec)) {
        return false;
    }
    const auto tip =
        git_in(top, {"rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}"});
    if (tip.exit_code != 0 || first_line(tip.out).empty()) {
        return false;
    }
    const auto upstream =
        git_in(top, {"for-each-ref", "--format=%(upstream)", "refs/heads/" + branch});
    if (upstream.exit_code == 0 && !first_line(upstream.out).empty()) {
        return true;
    }
    const auto containing = git_in(top, {"for-each-ref", "--format=%(refname)", "--contains",
                                         first_line(tip.out), "refs/remotes"});
    return containing.exit_code == 0 && !first_line(containing.out).empty();
}

void remove_workspace(const Workspace& workspace, bool keep_branch) {
    const fs::path& top = workspace.source;
    if (!top.empty() && is_within(absolute_path(top), absolute_path(workspace.path))) {
        throw Error(Errc::failure, "cannot remove the workspace " + workspace.path.string() +
                                       ": it holds " + top.string() + ", which is not forgebot's");
    }
    std::error_code ec;
    const bool host = (workspace.kind == WorkspaceKind::worktree ||
                       workspace.kind == WorkspaceKind::reference_clone) &&
                      !top.empty() && fs::is_directory(top, ec);
    if (workspace.kind == WorkspaceKind::worktree && host) {
        remove_worktree(top, workspace.path);
    } else {
        remove_tree(workspace.path);
    }
    if (host && !keep_branch && util::is_valid_branch_name(workspace.branch)) {
        delete_branch(top, workspace.branch);
    }
}

} // namespace forgebot::bottle
