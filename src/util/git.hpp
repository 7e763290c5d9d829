// Running git so that nothing a repository or the user's configuration says can run a command,
// and reading git's answers.
#pragma once

#include "util/process.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forgebot::util {

/// `KEY=VALUE` settings given to git as `-c KEY=VALUE`, in order (an empty value clears a list
/// such as credential.helper).
using GitSettings = std::vector<std::pair<std::string, std::string>>;

/// The upload-pack command for fetching from a repository git must not trust:
/// `git -c protocol.allow=never upload-pack --strict`.
///
/// Rationale: --strict makes upload-pack serve exactly the path given (REPO/.git), never its
/// parent (git's fallback when the path is not a valid repository), and its own protocol.allow
/// refuses any lazy fetch a partial clone could ask for (git clears our `-c` settings for the
/// local child, so they are repeated here).
inline constexpr const char* k_strict_upload_pack =
    "git -c protocol.allow=never upload-pack --strict";

/// How to run one git process.
struct GitOptions {
    std::optional<std::filesystem::path> git_dir;   ///< GIT_DIR; default: found from cwd
    std::optional<std::filesystem::path> work_tree; ///< GIT_WORK_TREE
    std::optional<std::filesystem::path> cwd;       ///< default: this process's
    std::optional<std::filesystem::path> home;      ///< HOME; default `/nonexistent`
    GitSettings config; ///< more `-c` settings, after the hardening ones (so they win)
    /// Allow the http and https transports (every other one stays refused unless `config`
    /// allows it), refuse redirects, and pass the proxy variables of this process through.
    bool http = false;
    std::optional<std::string> ca_file; ///< GIT_SSL_CAINFO, when `http`
    /// The password of a credential helper of ours (user `x-access-token`) that prints it from
    /// the environment of this one process; implies `http`. Never in argv or a file.
    std::optional<std::string> token;
    std::chrono::milliseconds timeout{std::chrono::minutes{5}}; ///< zero for no limit
};

/// Runs `git ARGS` hardened: an environment holding only PATH, HOME, LANG=C and what `options`
/// asks for (so no GIT_* variable of this process leaks in), system and global config ignored,
/// terminal prompts off, lazy fetching off (GIT_NO_LAZY_FETCH), protocols from the user refused,
/// no pager, the editor a no-op, and `-c` overrides that a repository's own config cannot beat:
/// core.hooksPath=/dev/null (no hook runs), core.fsmonitor=false, core.askPass= (no askpass
/// program), credential.helper= (no helper but ours), gc.auto=0, maintenance.auto=false,
/// protocol.allow=never. What stays possible in a repository an agent controls: filters named
/// by .gitattributes and defined in its config (checkout, status, add, diff run them),
/// diff.external and textconv (diff, log -p), core.alternateRefsCommand (fetch and push in a
/// repository with alternates), gpg.program (signing, verifying); so never run such commands in
/// one. Throws Error{Errc::usage} when the token holds a control character, Error{Errc::io} when
/// git cannot be started.
ProcessResult run_git(const std::vector<std::string>& args, const GitOptions& options);

/// The non-empty lines of `text`, without line ends.
std::vector<std::string> git_output_lines(const std::string& text);

/// One line of git's output made fit for a message: control characters become spaces, trailing
/// spaces go, and more than 300 bytes are cut and end in "...".
std::string tidy_git_line(std::string line);

/// The line of git's stderr that says why it failed: the first `fatal:`, else the last
/// `error:`, else the last line that is not a hint; tidied. "git gave no reason" when empty.
std::string git_failure_reason(const std::string& err);

/// The HTTP status a git failure reason reports ("Authentication failed" is 401,
/// "The requested URL returned error: 403" is 403), 0 when none.
int git_http_status(const std::string& reason);

/// Whether a git failure reason says the remote could not be reached (connection refused, host
/// unknown, timed out).
bool git_unreachable(const std::string& reason);

/// Whether `name` may be used as refs/heads/NAME: git's refname rules (no `..`, `@{`, `//`,
/// control characters, space, `~^:?*[\`; no component starting with `.` or ending in `.lock`;
/// not starting or ending with `/`, not ending with `.`), and not `-`-led, `@` or `HEAD`.
bool is_valid_branch_name(std::string_view name) noexcept;

/// Checks that `dot_git` is a repository whose objects are its own before git reads it from the
/// outside: `dot_git` and its objects directory are plain directories (not symlinks, not gitdir
/// files), there is no commondir nor http-alternates, objects/info/alternates is absent or a
/// plain file naming only directories in `allowed_alternates` (absolute, as written), and
/// nothing under objects is a symlink or special file. Throws Error{Errc::usage} naming the
/// problem ("cannot WHAT: ..."), Error{Errc::io} when the object store cannot be read.
///
/// Rationale: these checks and git's later reads are not atomic; a process still running in the
/// repository could swap files in between. They stop a repository prepared in advance; a sandbox
/// that stops its processes first closes the rest.
void check_own_git_dir(const std::filesystem::path& dot_git, const std::string& what,
                       const std::vector<std::filesystem::path>& allowed_alternates = {});

} // namespace forgebot::util
