// Pushing the run's branch through a forgebot-owned bare mirror.
#include "sidecar/push.hpp"

#include "forge/forge_error.hpp"
#include "util/error.hpp"
#include "util/git.hpp"
#include "util/process.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace forgebot::sidecar {

namespace {

using util::tidy_git_line;

/// `-c KEY=VALUE` for each setting, then `rest`.
std::vector<std::string> configured(const util::GitSettings& settings,
                                    const std::vector<std::string>& rest) {
    std::vector<std::string> args;
    for (const auto& [key, value] : settings) {
        args.push_back("-c");
        args.push_back(key + "=" + value);
    }
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
}

/// Whether `inner` is `outer` or below it (both absolute and normalised).
bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
    const auto relative = inner.lexically_relative(outer);
    return !relative.empty() && *relative.begin() != "..";
}

Errc errc_for_push_failure(const std::string& reason, int status) {
    if (status != 0) {
        return forge::errc_for_status(status, false);
    }
    return util::git_unreachable(reason) ? Errc::unavailable : Errc::failure;
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

} // namespace

bool is_valid_branch_name(std::string_view name) noexcept {
    return util::is_valid_branch_name(name);
}

GitPusher::GitPusher(PushConfig config) : m_config(std::move(config)) {
    assert(m_config.clone_url);
    if (!is_valid_branch_name(m_config.branch)) {
        throw Error(Errc::usage, "cannot push to '" + tidy_git_line(m_config.branch) +
                                     "': not a valid branch name (see git-check-ref-format(1))");
    }
    if (std::any_of(m_config.token.begin(), m_config.token.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        throw Error(Errc::usage, "the forge token contains a control character; check the token");
    }
}

void GitPusher::check_workspace() const {
    util::check_own_git_dir(m_config.workspace / ".git", "push");
}

util::ProcessResult GitPusher::run_git(const std::vector<std::string>& args,
                                       bool with_token) const {
    util::GitOptions options;
    options.git_dir = m_config.mirror;
    options.home = m_config.mirror;
    options.timeout = m_config.timeout;
    if (with_token) {
        options.token = m_config.token;
        if (const char* ca = std::getenv("FORGEBOT_CA_FILE"); ca != nullptr) {
            options.ca_file = ca;
        }
    }
    return util::run_git(args, options);
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
                              util::redact(util::git_failure_reason(result.err), m_config.token));
    }
    const auto lines = util::git_output_lines(result.out);
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
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(m_config.mirror, ec))) {
        git({"init", "--quiet", "--bare", mirror.string()}, "create the push mirror", Errc::io);
    }
    git(configured({{"protocol.file.allow", "always"}},
                   {"fetch", "--quiet", "--no-tags", "--no-recurse-submodules",
                    "--no-write-fetch-head",
                    std::string("--upload-pack=") + util::k_strict_upload_pack, "--",
                    (workspace / ".git").string(), "+HEAD:refs/forgebot/head"}),
        "read the workspace's HEAD (does it have a commit?)", Errc::usage);
    const std::string commit = git({"rev-parse", "--verify", "refs/forgebot/head^{commit}"},
                                   "resolve the workspace's HEAD", Errc::usage);

    // Rationale: util::run_git with the token allows only http(s), refuses redirects (which
    // could move the push, and the token, to another host) and clears any helper list before
    // the helper that hands git the token.
    const util::GitSettings push_settings{{"push.recurseSubmodules", "no"},
                                          {"push.gpgSign", "false"}};
    const auto result =
        run_git(configured(push_settings, {"push", "--porcelain", "--quiet", "--no-verify", "--",
                                           url, commit + ":refs/heads/" + branch}),
                true);
    if (result.timed_out) {
        throw timed_out("push " + branch);
    }
    // Rationale: with --porcelain a refused update is a `!` line on stdout naming git's reason;
    // stderr then holds only "failed to push some refs" and hints.
    for (const auto& line : util::git_output_lines(result.out)) {
        if (!line.starts_with("!")) {
            continue;
        }
        const auto tab = line.rfind('\t');
        const std::string summary = util::redact(
            tidy_git_line(tab == std::string::npos ? line : line.substr(tab + 1)), m_config.token);
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
        const std::string reason =
            util::redact(util::git_failure_reason(result.err), m_config.token);
        const int status = util::git_http_status(reason);
        throw forge::ForgeError(errc_for_push_failure(reason, status),
                                "cannot push " + branch + ": " + reason +
                                    (status == 401 ? "; check the token forgebot was given" : ""),
                                status, reason);
    }
    return PushResult{branch, commit};
}

} // namespace forgebot::sidecar
