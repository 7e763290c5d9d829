// Hardened git runs and the reading of git's messages, shared by everything that runs git.
#include "util/git.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <system_error>

namespace forgebot::util {

namespace {

// Rationale: git reads the password from our helper, which prints it from the environment; the
// helper's text is in argv but holds no secret. printf, not echo: dash's echo rewrites
// backslashes.
constexpr const char* k_credential_helper =
    "!f() { test \"$1\" = get || exit 0; echo username=x-access-token; "
    "printf 'password=%s\\n' \"$FORGEBOT_GIT_TOKEN\"; }; f";

constexpr std::size_t k_max_reason = 300;

bool is_real_dir(const std::filesystem::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_real_file(const std::filesystem::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool exists_no_follow(const std::filesystem::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

/// Refuses anything under `dir` that is neither a plain file nor a plain directory.
void refuse_links_under(const std::filesystem::path& dir, const std::string& what) {
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        const auto status = it->symlink_status(ec);
        if (ec) {
            break;
        }
        if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_directory(status)) {
            throw Error(Errc::usage, "cannot " + what + ": " + it->path().string() +
                                         " is a symlink or special file; the repository's object "
                                         "store must hold only its own files");
        }
    }
    if (ec) {
        throw Error(Errc::io,
                    "cannot " + what + ": cannot read " + dir.string() + ": " + ec.message());
    }
}

/// Refuses an alternates file that is not a plain file naming only `allowed` directories.
void check_alternates(const std::filesystem::path& file, const std::string& what,
                      const std::vector<std::filesystem::path>& allowed) {
    const auto refuse = [&] {
        return Error(Errc::usage, "cannot " + what +
                                      ": the repository borrows objects from elsewhere (" +
                                      file.string() + ")");
    };
    if (allowed.empty() || !is_real_file(file)) {
        throw refuse();
    }
    std::ifstream in(file, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty()) {
            continue;
        }
        if (std::find(allowed.begin(), allowed.end(), std::filesystem::path(line)) ==
            allowed.end()) {
            throw refuse();
        }
    }
    if (in.bad()) {
        throw Error(Errc::io, "cannot " + what + ": cannot read " + file.string());
    }
}

} // namespace

ProcessResult run_git(const std::vector<std::string>& args, const GitOptions& options) {
    ProcessOptions process;
    process.clean_env = true;
    const char* path = std::getenv("PATH");
    process.env["PATH"] = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    process.env["HOME"] = options.home ? options.home->string() : "/nonexistent";
    process.env["LANG"] = "C";
    process.env["GIT_CONFIG_NOSYSTEM"] = "1";
    process.env["GIT_CONFIG_GLOBAL"] = "/dev/null";
    process.env["GIT_TERMINAL_PROMPT"] = "0";
    process.env["GIT_NO_LAZY_FETCH"] = "1";
    process.env["GIT_PROTOCOL_FROM_USER"] = "0";
    process.env["GIT_PAGER"] = "cat";
    process.env["GIT_EDITOR"] = ":";
    if (options.git_dir) {
        process.env["GIT_DIR"] = options.git_dir->string();
    }
    if (options.work_tree) {
        process.env["GIT_WORK_TREE"] = options.work_tree->string();
    }
    if (options.cwd) {
        process.cwd = options.cwd->string();
    }
    const bool http = options.http || options.token.has_value();
    if (http) {
        // The network settings a forge connection needs, as for the forge API client.
        for (const char* name : {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                                 "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"}) {
            if (const char* value = std::getenv(name); value != nullptr) {
                process.env[name] = value;
            }
        }
        if (options.ca_file && !options.ca_file->empty()) {
            process.env["GIT_SSL_CAINFO"] = *options.ca_file;
        }
    }
    if (options.token) {
        if (has_control_character(*options.token)) {
            throw Error(Errc::usage, "the forge token contains a control character; check the "
                                     "token");
        }
        process.env["FORGEBOT_GIT_TOKEN"] = *options.token;
    }
    process.timeout = options.timeout;

    GitSettings settings{{"core.hooksPath", "/dev/null"},
                         {"core.fsmonitor", "false"},
                         {"core.askPass", ""},
                         {"credential.helper", ""},
                         {"gc.auto", "0"},
                         {"maintenance.auto", "false"},
                         {"protocol.allow", "never"}};
    if (http) {
        // Rationale: git's default http.followRedirects=initial would let the forge's first
        // answer move the connection, and the token, to another host.
        settings.insert(settings.end(), {{"protocol.http.allow", "always"},
                                         {"protocol.https.allow", "always"},
                                         {"http.followRedirects", "false"}});
    }
    if (options.token) {
        settings.insert(settings.end(), {{"credential.helper", k_credential_helper},
                                         {"credential.useHttpPath", "false"}});
    }
    settings.insert(settings.end(), options.config.begin(), options.config.end());

    std::vector<std::string> argv{"git", "--no-pager"};
    for (const auto& [key, value] : settings) {
        argv.push_back("-c");
        argv.push_back(key + "=" + value);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, process);
}

std::vector<std::string> git_output_lines(const std::string& text) {
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

std::string tidy_git_line(std::string line) {
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

std::string git_failure_reason(const std::string& err) {
    std::optional<std::string> fatal;
    std::optional<std::string> error;
    std::string last;
    for (const auto& line : git_output_lines(err)) {
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
    return tidy_git_line(fatal          ? *fatal
                         : error        ? *error
                         : last.empty() ? "git gave no reason"
                                        : last);
}

int git_http_status(const std::string& reason) {
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

bool git_unreachable(const std::string& reason) {
    for (const char* unreachable : {"Failed to connect", "Could not resolve host",
                                    "Couldn't connect", "Connection refused", "timed out"}) {
        if (reason.find(unreachable) != std::string::npos) {
            return true;
        }
    }
    return false;
}

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

void check_own_git_dir(const std::filesystem::path& dot_git, const std::string& what,
                       const std::vector<std::filesystem::path>& allowed_alternates) {
    if (!is_real_dir(dot_git)) {
        throw Error(Errc::usage, "cannot " + what + ": " + dot_git.string() +
                                     " is not a plain directory (a symlink or gitdir file is "
                                     "refused)");
    }
    const auto objects = dot_git / "objects";
    if (!is_real_dir(objects)) {
        throw Error(Errc::usage,
                    "cannot " + what + ": " + objects.string() + " is not a plain directory");
    }
    for (const auto& borrowed : {objects / "info" / "http-alternates", dot_git / "commondir"}) {
        if (exists_no_follow(borrowed)) {
            throw Error(Errc::usage, "cannot " + what +
                                         ": the repository borrows objects from elsewhere (" +
                                         borrowed.string() + ")");
        }
    }
    if (const auto alternates = objects / "info" / "alternates"; exists_no_follow(alternates)) {
        check_alternates(alternates, what, allowed_alternates);
    }
    refuse_links_under(objects, what);
}

} // namespace forgebot::util
