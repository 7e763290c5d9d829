// Pushing the run's branch through a forgebot-owned bare mirror.
#include "sidecar/push.hpp"

#include "forge/forge_error.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <utility>
#include <vector>

namespace forgebot::sidecar {

namespace {

// Rationale: git reads the password from our helper, which prints it from the environment; the
// helper's text is in argv but holds no secret. printf, not echo: dash's echo rewrites
// backslashes.
constexpr const char* k_credential_helper =
    "!f() { test \"$1\" = get || exit 0; echo username=x-access-token; "
    "printf 'password=%s\\n' \"$FORGEBOT_PUSH_TOKEN\"; }; f";

// Rationale: --strict makes upload-pack serve exactly WORKSPACE/.git, never WORKSPACE itself
// (git's fallback when .git is not a valid repository, which would bypass check_workspace), and
// its own protocol.allow refuses any lazy fetch a partial-clone workspace could ask for.
constexpr const char* k_upload_pack = "git -c protocol.allow=never upload-pack --strict";

constexpr std::size_t k_max_reason = 300;

using Settings = std::vector<std::pair<std::string, std::string>>;

/// `-c KEY=VALUE` for each setting, then `rest`.
std::vector<std::string> configured(const Settings& settings,
                                    const std::vector<std::string>& rest) {
    std::vector<std::string> args;
    for (const auto& [key, value] : settings) {
        args.push_back("-c");
        args.push_back(key + "=" + value);
    }
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
}

bool is_real_dir(const std::filesystem::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists_no_follow(const std::filesystem::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

/// Whether `inner` is `outer` or below it (both absolute and normalised).
bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
    const auto relative = inner.lexically_relative(outer);
    return !relative.empty() && *relative.begin() != "..";
}

/// One line of git's output made fit for a message: no control characters, bounded length.
std::string tidy(std::string line) {
    for (char& c : line) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            c = ' ';
        }
    }
    while (!line.empty() && line.back() == ' ') {
        line.pop_back();
    }
    if (line.size() > k_max_reason) {
        line = line.substr(0, k_max_reason) + "...";
    }
    return line;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = std::min(text.find('\n', pos), text.size());
        std::string line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (!line.empty()) {
            lines.push_back(std::move(line));
        }
        pos = nl + 1;
    }
    return lines;
}

/// The line of git's stderr that says why it failed: the first `fatal:`, else the last
/// `error:`, else the last line that is not a hint.
std::string reason_from(const std::string& err) {
    std::optional<std::string> fatal;
    std::optional<std::string> error;
    std::string last;
    for (const auto& line : lines_of(err)) {
        if (line.starts_with("hint:")) {
            continue;
        }
        if (!fatal && line.starts_with("fatal: ")) {
            fatal = line.substr(7);
        } else if (line.starts_with("error: ")) {
            error = line.substr(7);
        }
        last = line;
    }
    return tidy(fatal ? *fatal : error ? *error : last.empty() ? "git gave no reason" : last);
}

/// The HTTP status git reports in `reason`, 0 when none.
int http_status_in(const std::string& reason) {
    if (reason.find("Authentication failed") != std::string::npos) {
        return 401;
    }
    constexpr std::string_view marker = "returned error: ";
    const auto at = reason.find(marker);
    if (at == std::string::npos || at + marker.size() + 3 > reason.size()) {
        return 0;
    }
    const std::string digits = reason.substr(at + marker.size(), 3);
    return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })
               ? std::stoi(digits)
               : 0;
}

Errc errc_for_push_failure(const std::string& reason, int status) {
    if (status != 0) {
        return forge::errc_for_status(status, false);
    }
    for (const char* unreachable : {"Failed to connect", "Could not resolve host",
                                    "Couldn't connect", "Connection refused", "timed out"}) {
        if (reason.find(unreachable) != std::string::npos) {
            return Errc::unavailable;
        }
    }
    return Errc::failure;
}

/// `path` absolute, with symlinks resolved as far as it exists; throws Error{Errc::io}.
std::filesystem::path resolved(const std::filesystem::path& path) {
    std::error_code ec;
    auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
    if (ec) {
        throw Error(Errc::io, "cannot push: cannot resolve " + path.string() + ": " + ec.message());
    }
    return out;
}

/// Refuses anything under `dir` that is neither a plain file nor a plain directory.
void refuse_links_under(const std::filesystem::path& dir) {
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        const auto status = it->symlink_status(ec);
        if (ec) {
            break;
        }
        if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_directory(status)) {
            throw Error(Errc::usage, "cannot push: " + it->path().string() +
                                         " is a symlink or special file; the workspace's object "
                                         "store must hold only its own files");
        }
    }
    if (ec) {
        throw Error(Errc::io, "cannot push: cannot read " + dir.string() + ": " + ec.message());
    }
}

} // namespace

bool is_valid_branch_name(std::string_view name) noexcept {
    if (name.empty() || name.front() == '-' || name == "@" || name == "HEAD" ||
        name.front() == '/' || name.back() == '/' || name.back() == '.' ||
        name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos ||
        name.find("@{") != std::string_view::npos) {
        return false;
    }
    constexpr std::string_view forbidden = " ~^:?*[\\";
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f || forbidden.find(c) != std::string_view::npos) {
            return false;
        }
    }
    std::size_t pos = 0;
    while (pos < name.size()) {
        const auto end = std::min(name.find('/', pos), name.size());
        const auto component = name.substr(pos, end - pos);
        if (component.front() == '.' || component.ends_with(".lock")) {
            return false;
        }
        pos = end + 1;
    }
    return true;
}

GitPusher::GitPusher(PushConfig config) : m_config(std::move(config)) {
    assert(m_config.clone_url);
    if (!is_valid_branch_name(m_config.branch)) {
        throw Error(Errc::usage, "cannot push to '" + tidy(m_config.branch) +
                                     "': not a valid branch name (see git-check-ref-format(1))");
    }
    if (std::any_of(m_config.token.begin(), m_config.token.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        throw Error(Errc::usage, "the forge token contains a control character; check the token");
    }
}

void GitPusher::check_workspace() const {
    // Rationale: these checks and git's later reads are not atomic; an agent process still
    // running could swap files in between. They stop a workspace prepared in advance; a sandbox
    // that stops the agent while push_branch runs closes the rest.
    const auto dot_git = m_config.workspace / ".git";
    if (!is_real_dir(dot_git)) {
        throw Error(Errc::usage, "cannot push: " + dot_git.string() +
                                     " is not a plain directory (a symlink or gitdir file is "
                                     "refused)");
    }
    if (!is_real_dir(dot_git / "objects")) {
        throw Error(Errc::usage,
                    "cannot push: " + (dot_git / "objects").string() + " is not a plain directory");
    }
    for (const char* borrowed :
         {"objects/info/alternates", "objects/info/http-alternates", "commondir"}) {
        if (exists_no_follow(dot_git / borrowed)) {
            throw Error(Errc::usage, "cannot push: the workspace borrows objects from elsewhere (" +
                                         (dot_git / borrowed).string() + ")");
        }
    }
    refuse_links_under(dot_git / "objects");
}

util::ProcessResult GitPusher::run_git(const std::vector<std::string>& args,
                                       bool with_token) const {
    util::ProcessOptions options;
    options.clean_env = true;
    const char* path = std::getenv("PATH");
    options.env["PATH"] = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    options.env["HOME"] = m_config.mirror.string();
    options.env["LANG"] = "C";
    options.env["GIT_CONFIG_NOSYSTEM"] = "1";
    options.env["GIT_CONFIG_GLOBAL"] = "/dev/null";
    options.env["GIT_TERMINAL_PROMPT"] = "0";
    options.env["GIT_NO_LAZY_FETCH"] = "1";
    options.env["GIT_PROTOCOL_FROM_USER"] = "0";
    options.env["GIT_DIR"] = m_config.mirror.string();
    // The network settings a forge connection needs, as for the forge API client.
    for (const char* name : {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy",
                             "NO_PROXY", "all_proxy", "ALL_PROXY"}) {
        if (const char* value = std::getenv(name); value != nullptr) {
            options.env[name] = value;
        }
    }
    if (const char* ca = std::getenv("FORGEBOT_CA_FILE"); ca != nullptr && *ca != '\0') {
        options.env["GIT_SSL_CAINFO"] = ca;
    }
    if (with_token) {
        options.env["FORGEBOT_PUSH_TOKEN"] = m_config.token;
    }
    options.timeout = m_config.timeout;
    auto argv = configured({{"core.hooksPath", "/dev/null"},
                            {"core.fsmonitor", "false"},
                            {"gc.auto", "0"},
                            {"maintenance.auto", "false"},
                            {"protocol.allow", "never"}},
                           args);
    argv.insert(argv.begin(), "git");
    return util::run_process(argv, options);
}

Error GitPusher::timed_out(const std::string& what) const {
    return Error(Errc::timed_out, "cannot " + what + ": git did not finish within " +
                                      std::to_string(m_config.timeout.count()) + " ms");
}

std::string GitPusher::git(const std::vector<std::string>& args, const std::string& what,
                           Errc code) const {
    const auto result = run_git(args, false);
    if (result.timed_out) {
        throw timed_out(what);
    }
    if (result.exit_code != 0) {
        throw Error(code, "cannot " + what + ": " +
                              util::redact(reason_from(result.err), m_config.token));
    }
    const auto lines = lines_of(result.out);
    return lines.empty() ? std::string() : lines.back();
}

PushResult GitPusher::push() {
    std::lock_guard lock(m_mutex);
    const std::string& branch = m_config.branch;
    check_workspace();
    const auto workspace = resolved(m_config.workspace);
    const auto mirror = resolved(m_config.mirror);
    if (is_within(mirror, workspace)) {
        throw Error(Errc::usage, "cannot push: the push mirror " + m_config.mirror.string() +
                                     " is inside the workspace; put it out of the agent's reach");
    }
    const std::string url = m_config.clone_url();
    if (!url.starts_with("https://") && !url.starts_with("http://")) {
        throw forge::ForgeError(Errc::bad_response,
                                "cannot push " + branch +
                                    ": the forge's clone URL is not http(s); push_branch pushes "
                                    "only over http(s)");
    }
    if (!is_real_dir(m_config.mirror)) {
        git({"init", "--quiet", "--bare", mirror.string()}, "create the push mirror", Errc::io);
    }
    git(configured({{"protocol.file.allow", "always"}},
                   {"fetch", "--quiet", "--no-tags", "--no-recurse-submodules",
                    "--no-write-fetch-head", std::string("--upload-pack=") + k_upload_pack, "--",
                    (workspace / ".git").string(), "+HEAD:refs/forgebot/head"}),
        "read the workspace's HEAD (does it have a commit?)", Errc::usage);
    const std::string commit = git({"rev-parse", "--verify", "refs/forgebot/head^{commit}"},
                                   "resolve the workspace's HEAD", Errc::usage);

    // Rationale: git's default http.followRedirects=initial would let the forge's first answer
    // move the push, and the token, to another host; only http(s) may carry the token; the
    // empty helper clears any helper list before ours.
    const Settings push_settings{
        {"protocol.http.allow", "always"},   {"protocol.https.allow", "always"},
        {"credential.helper", ""},           {"credential.helper", k_credential_helper},
        {"credential.useHttpPath", "false"}, {"http.followRedirects", "false"},
        {"push.recurseSubmodules", "no"},    {"push.gpgSign", "false"}};
    const auto result =
        run_git(configured(push_settings, {"push", "--porcelain", "--quiet", "--no-verify", "--",
                                           url, commit + ":refs/heads/" + branch}),
                true);
    if (result.timed_out) {
        throw timed_out("push " + branch);
    }
    // Rationale: with --porcelain a refused update is a `!` line on stdout naming git's reason;
    // stderr then holds only "failed to push some refs" and hints.
    for (const auto& line : lines_of(result.out)) {
        if (!line.starts_with("!")) {
            continue;
        }
        const auto tab = line.rfind('\t');
        const std::string summary = util::redact(
            tidy(tab == std::string::npos ? line : line.substr(tab + 1)), m_config.token);
        const bool not_fast_forward = summary.find("non-fast-forward") != std::string::npos ||
                                      summary.find("fetch first") != std::string::npos;
        throw forge::ForgeError(
            Errc::failure,
            not_fast_forward
                ? "cannot push " + branch + ": the forge rejected it, not a fast-forward (the " +
                      "forge's " + branch + " has commits the workspace's HEAD lacks; " +
                      "push_branch never forces)"
                : "cannot push " + branch + ": the forge rejected it: " + summary,
            0, summary);
    }
    if (result.exit_code != 0) {
        const std::string reason = util::redact(reason_from(result.err), m_config.token);
        const int status = http_status_in(reason);
        throw forge::ForgeError(errc_for_push_failure(reason, status),
                                "cannot push " + branch + ": " + reason +
                                    (status == 401 ? "; check the token forgebot was given" : ""),
                                status, reason);
    }
    return PushResult{branch, commit};
}

} // namespace forgebot::sidecar
