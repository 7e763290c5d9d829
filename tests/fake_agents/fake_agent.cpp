// A stand-in for the `claude` and `codex` CLIs (FAKE_AGENT_PROVIDER picks which): it checks argv
// as forgebot builds it, obeys directives written in the prompt, records how it was started in
// $HOME/fake-agent.jsonl and prints an output stream shaped like the real program's.
#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netdb.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

#ifndef FAKE_AGENT_PROVIDER
#error "define FAKE_AGENT_PROVIDER as \"claude\" or \"codex\""
#endif

extern char** environ;

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view k_provider = FAKE_AGENT_PROVIDER;
constexpr bool k_is_claude = k_provider == "claude";
static_assert(k_provider == "claude" || k_provider == "codex");

constexpr double k_cost_usd = 0.0123;

/// A command line the real CLI would refuse: the message for stderr and the exit status.
struct UsageError {
    std::string message;
    int exit_code = 2;
};

/// Whether an option takes a value.
enum class Takes { nothing, value, optional_value };

// Where an option is accepted: bits of OptionSpec::scope.
constexpr unsigned k_claude = 1U;
constexpr unsigned k_exec = 2U;        ///< `codex exec` before `resume`
constexpr unsigned k_exec_global = 4U; ///< after `codex exec ... resume` (clap `global = true`)
constexpr unsigned k_tui = 8U;         ///< interactive `codex`, before and after `resume`

/// One option the real CLI knows.
struct OptionSpec {
    std::string_view name;      ///< as typed: `--model`, `-m`
    std::string_view canonical; ///< the long name it stands for
    Takes takes;
    unsigned scope; ///< where it is accepted: k_claude, k_exec, k_exec_global, k_tui bits
};

// Rationale: the options of the real CLIs (SOURCES.md in ../shared/peers), so that manifest `args`
// a user would write pass, while a misspelt flag fails the way the real CLI fails.
constexpr OptionSpec k_options[] = {
    {"-p", "--print", Takes::nothing, k_claude},
    {"--print", "--print", Takes::nothing, k_claude},
    {"--output-format", "--output-format", Takes::value, k_claude},
    {"--verbose", "--verbose", Takes::nothing, k_claude},
    {"--input-format", "--input-format", Takes::value, k_claude},
    {"--include-partial-messages", "--include-partial-messages", Takes::nothing, k_claude},
    {"--replay-user-messages", "--replay-user-messages", Takes::nothing, k_claude},
    {"-r", "--resume", Takes::optional_value, k_claude},
    {"--resume", "--resume", Takes::optional_value, k_claude},
    {"-c", "--continue", Takes::nothing, k_claude},
    {"--continue", "--continue", Takes::nothing, k_claude},
    {"--fork-session", "--fork-session", Takes::nothing, k_claude},
    {"--session-id", "--session-id", Takes::value, k_claude},
    {"--model", "--model", Takes::value, k_claude},
    {"--fallback-model", "--fallback-model", Takes::value, k_claude},
    {"--allowedTools", "--allowedTools", Takes::value, k_claude},
    {"--allowed-tools", "--allowedTools", Takes::value, k_claude},
    {"--disallowedTools", "--disallowedTools", Takes::value, k_claude},
    {"--disallowed-tools", "--disallowedTools", Takes::value, k_claude},
    {"--mcp-config", "--mcp-config", Takes::value, k_claude},
    {"--strict-mcp-config", "--strict-mcp-config", Takes::nothing, k_claude},
    {"--permission-mode", "--permission-mode", Takes::value, k_claude},
    {"--dangerously-skip-permissions", "--dangerously-skip-permissions", Takes::nothing, k_claude},
    {"--max-turns", "--max-turns", Takes::value, k_claude},
    {"--max-budget-usd", "--max-budget-usd", Takes::value, k_claude},
    {"--append-system-prompt", "--append-system-prompt", Takes::value, k_claude},
    {"--system-prompt", "--system-prompt", Takes::value, k_claude},
    {"--add-dir", "--add-dir", Takes::value, k_claude | k_exec | k_tui},
    {"--settings", "--settings", Takes::value, k_claude},
    {"--setting-sources", "--setting-sources", Takes::value, k_claude},
    {"--agents", "--agents", Takes::value, k_claude},
    {"--json-schema", "--json-schema", Takes::value, k_claude},

    {"--json", "--json", Takes::nothing, k_exec | k_exec_global},
    {"--experimental-json", "--json", Takes::nothing, k_exec | k_exec_global},
    {"-o", "--output-last-message", Takes::value, k_exec | k_exec_global},
    {"--output-last-message", "--output-last-message", Takes::value, k_exec | k_exec_global},
    {"--skip-git-repo-check", "--skip-git-repo-check", Takes::nothing, k_exec | k_exec_global},
    {"--ephemeral", "--ephemeral", Takes::nothing, k_exec | k_exec_global},
    {"--ignore-user-config", "--ignore-user-config", Takes::nothing, k_exec | k_exec_global},
    {"--ignore-rules", "--ignore-rules", Takes::nothing, k_exec | k_exec_global},
    {"--output-schema", "--output-schema", Takes::value, k_exec},
    {"--color", "--color", Takes::value, k_exec},
    {"-m", "--model", Takes::value, k_exec | k_exec_global | k_tui},
    {"--model", "--model", Takes::value, k_exec | k_exec_global | k_tui},
    {"-s", "--sandbox", Takes::value, k_exec | k_tui},
    {"--sandbox", "--sandbox", Takes::value, k_exec | k_tui},
    {"-c", "--config", Takes::value, k_exec | k_exec_global | k_tui},
    {"--config", "--config", Takes::value, k_exec | k_exec_global | k_tui},
    {"-p", "--profile", Takes::value, k_exec | k_tui},
    {"--profile", "--profile", Takes::value, k_exec | k_tui},
    {"--full-auto", "--full-auto", Takes::nothing, k_exec | k_exec_global | k_tui},
    {"--dangerously-bypass-approvals-and-sandbox", "--dangerously-bypass-approvals-and-sandbox",
     Takes::nothing, k_exec | k_exec_global | k_tui},
    {"--yolo", "--dangerously-bypass-approvals-and-sandbox", Takes::nothing,
     k_exec | k_exec_global | k_tui},
    {"-C", "--cd", Takes::value, k_exec | k_tui},
    {"--cd", "--cd", Takes::value, k_exec | k_tui},
    {"-i", "--image", Takes::value, k_exec | k_exec_global | k_tui},
    {"--image", "--image", Takes::value, k_exec | k_exec_global | k_tui},
    {"--oss", "--oss", Takes::nothing, k_exec | k_tui},
    {"-a", "--ask-for-approval", Takes::value, k_tui},
    {"--ask-for-approval", "--ask-for-approval", Takes::value, k_tui},
    {"--search", "--search", Takes::nothing, k_tui},
};

/// One option as given: its canonical name and its value (empty when it has none).
struct GivenOption {
    std::string name;
    std::string value;
};

/// How this run was asked to go, from argv.
struct Invocation {
    bool headless = false;
    bool resumed = false;
    std::string session; ///< the session (claude) or thread (codex) id
    std::string prompt;
    std::string output_format; ///< claude: text, json or stream-json; codex exec: json or text
    std::string model;
    std::string permission_mode = "default";
    std::optional<std::string> mcp_config; ///< claude: --mcp-config as given
    /// The MCP servers configured, by name: {"command": ..., "args": [...]} (claude: the
    /// --mcp-config file's mcpServers; codex: the `-c mcp_servers.NAME.KEY=VALUE` overrides).
    Json mcp = Json::object();
    std::optional<std::string> last_message_file;
    std::optional<std::string> cd;
};

/// What the prompt asks the fake to do.
struct Directives {
    int exit_code = 0;
    bool fail = false;
    double sleep_seconds = 0;
    std::vector<std::string> actions; ///< the tokens that do something, in prompt order
};

/// What a child program did.
struct ChildResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Writes all of `bytes` to `fd`, retrying short writes; gives up silently on an error.
void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// `value` as one line of JSON; bytes that are not UTF-8 become U+FFFD.
std::string dump(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// Prints one line on stdout at once (no buffering, so a killed fake has printed what it said).
void emit_line(std::string_view line) {
    std::string out(line);
    out += '\n';
    write_all(1, out);
}

/// Prints `event` as one line of JSON.
void emit(const Json& event) {
    emit_line(dump(event));
}

/// The C library's text for errno value `error` ("No such file or directory").
std::string error_text(int error) {
    return std::strerror(error);
}

/// A random UUID; version 7 (time-ordered, as codex thread ids are) or 4 (as claude's).
std::string random_uuid(int version) {
    std::random_device device;
    std::uint8_t bytes[16];
    for (auto& byte : bytes) {
        byte = static_cast<std::uint8_t>(device() & 0xffU);
    }
    if (version == 7) {
        const auto ms =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
        for (int i = 0; i < 6; ++i) {
            bytes[i] = static_cast<std::uint8_t>((ms >> (8 * (5 - i))) & 0xffU);
        }
    }
    bytes[6] =
        static_cast<std::uint8_t>((bytes[6] & 0x0fU) | (static_cast<unsigned>(version) << 4U));
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3fU) | 0x80U);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += k_hex[bytes[i] >> 4];
        out += k_hex[bytes[i] & 0x0fU];
    }
    return out;
}

/// Whether `text` is a UUID in its 8-4-4-4-12 hex form, as claude requires of --session-id.
bool is_uuid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
            return false;
        }
    }
    return true;
}

/// The option at args[i] (i is left on its last word); throws UsageError when it is not one of
/// the options accepted in `scope` or lacks its value.
GivenOption read_option(const std::vector<std::string>& args, std::size_t& i, unsigned scope) {
    const std::string& word = args[i];
    const auto eq = word.starts_with("--") ? word.find('=') : std::string::npos;
    const std::string name = word.substr(0, eq);
    for (const auto& spec : k_options) {
        if (spec.name != name || (spec.scope & scope) == 0) {
            continue;
        }
        GivenOption option{std::string(spec.canonical), {}};
        if (eq != std::string::npos) {
            if (spec.takes == Takes::nothing) {
                throw UsageError{"error: unexpected value '" + word.substr(eq + 1) + "' for '" +
                                 name + "' found; no more were expected"};
            }
            option.value = word.substr(eq + 1);
        } else if (spec.takes == Takes::value) {
            if (i + 1 >= args.size() || args[i + 1] == "--") {
                throw UsageError{"error: option '" + name + "' argument missing"};
            }
            option.value = args[++i];
        } else if (spec.takes == Takes::optional_value && i + 1 < args.size() &&
                   !args[i + 1].starts_with("-")) {
            option.value = args[++i];
        }
        return option;
    }
    throw UsageError{"error: unexpected argument '" + word + "'"};
}

/// The `mcpServers` object of an MCP configuration given as a file or inline JSON; throws
/// UsageError (exit 1, as the real CLI) when it cannot be read or has no `mcpServers` object.
Json mcp_servers(const std::string& config) {
    std::string text = config;
    if (config.find('{') != 0) {
        std::ifstream in(config, std::ios::binary);
        if (!in) {
            throw UsageError{"Error: Invalid MCP configuration: cannot read " + config, 1};
        }
        std::ostringstream bytes;
        bytes << in.rdbuf();
        text = bytes.str();
    }
    const Json parsed = Json::parse(text, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("mcpServers") ||
        !parsed["mcpServers"].is_object()) {
        throw UsageError{"Error: Invalid MCP configuration: mcpServers: expected an object", 1};
    }
    return parsed["mcpServers"];
}

/// One TOML value of a codex `-c KEY=VALUE` override: a basic or literal string, an integer, a
/// boolean, or an array of those; std::nullopt when it is none (codex then takes the text as a
/// string). `i` moves past what was read.
std::optional<Json> toml_value(std::string_view text, std::size_t& i) {
    auto skip_space = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
            ++i;
        }
    };
    skip_space();
    if (i >= text.size()) {
        return std::nullopt;
    }
    if (text[i] == '[') {
        Json array = Json::array();
        ++i;
        for (;;) {
            skip_space();
            if (i < text.size() && text[i] == ']') {
                ++i;
                return array;
            }
            auto element = toml_value(text, i);
            if (!element) {
                return std::nullopt;
            }
            array.push_back(std::move(*element));
            skip_space();
            if (i < text.size() && text[i] == ',') {
                ++i;
            } else if (i >= text.size() || text[i] != ']') {
                return std::nullopt;
            }
        }
    }
    if (text[i] == '\'') {
        const auto end = text.find('\'', i + 1);
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        Json value = std::string(text.substr(i + 1, end - i - 1));
        i = end + 1;
        return value;
    }
    if (text[i] == '"') {
        std::string value;
        for (++i; i < text.size() && text[i] != '"'; ++i) {
            if (text[i] != '\\') {
                value += text[i];
                continue;
            }
            if (++i >= text.size()) {
                return std::nullopt;
            }
            switch (text[i]) {
            case 'n':
                value += '\n';
                break;
            case 't':
                value += '\t';
                break;
            case 'u':
                if (i + 4 >= text.size()) {
                    return std::nullopt;
                }
                value += static_cast<char>(
                    std::strtol(std::string(text.substr(i + 1, 4)).c_str(), nullptr, 16));
                i += 4;
                break;
            default:
                value += text[i];
            }
        }
        if (i >= text.size()) {
            return std::nullopt;
        }
        ++i;
        return Json(value);
    }
    const auto end = text.find_first_of(",] \t", i);
    const std::string word(text.substr(i, end == std::string_view::npos ? end : end - i));
    i = end == std::string_view::npos ? text.size() : end;
    if (word == "true" || word == "false") {
        return Json(word == "true");
    }
    if (!word.empty() && word.find_first_not_of("-0123456789") == std::string::npos) {
        return Json(std::stoll(word));
    }
    return std::nullopt;
}

/// Applies a codex `-c KEY=VALUE` override to `run` when it configures an MCP server
/// (`mcp_servers.NAME.KEY`); other keys are accepted and ignored.
void apply_override(Invocation& run, const std::string& override_text) {
    const auto eq = override_text.find('=');
    if (eq == std::string::npos) {
        throw UsageError{"Error: Invalid override (missing '='): " + override_text};
    }
    const std::string key = override_text.substr(0, eq);
    constexpr std::string_view k_prefix = "mcp_servers.";
    const auto dot = key.rfind('.');
    if (!key.starts_with(k_prefix) || dot <= k_prefix.size()) {
        return;
    }
    const std::string value_text = override_text.substr(eq + 1);
    std::size_t i = 0;
    auto value = toml_value(value_text, i);
    if (!value || value_text.find_first_not_of(" \t", i) != std::string::npos) {
        value = Json(value_text);
    }
    run.mcp[key.substr(k_prefix.size(), dot - k_prefix.size())][key.substr(dot + 1)] =
        std::move(*value);
}

/// The run claude's argv asks for; throws UsageError with the real CLI's complaint and status.
Invocation parse_claude(const std::vector<std::string>& args) {
    Invocation run;
    std::optional<std::string> resume;
    std::optional<std::string> session_id;
    bool fork_session = false;
    bool verbose = false;
    std::size_t i = 1;
    for (; i < args.size() && args[i] != "--"; ++i) {
        if (!args[i].starts_with("-") || args[i] == "-") {
            throw UsageError{"error: unexpected argument '" + args[i] +
                             "' (forgebot passes the prompt after --)"};
        }
        const GivenOption option = read_option(args, i, k_claude);
        if (option.name == "--print") {
            run.headless = true;
        } else if (option.name == "--verbose") {
            verbose = true;
        } else if (option.name == "--output-format") {
            if (option.value != "text" && option.value != "json" && option.value != "stream-json") {
                throw UsageError{"error: option '--output-format <format>' argument '" +
                                 option.value + "' is invalid"};
            }
            run.output_format = option.value;
        } else if (option.name == "--resume") {
            if (option.value.empty()) {
                throw UsageError{"error: --resume without a session id opens an interactive "
                                 "picker; pass --resume=ID"};
            }
            resume = option.value;
        } else if (option.name == "--continue") {
            run.resumed = true;
        } else if (option.name == "--fork-session") {
            fork_session = true;
        } else if (option.name == "--session-id") {
            session_id = option.value;
        } else if (option.name == "--model") {
            run.model = option.value;
        } else if (option.name == "--mcp-config") {
            run.mcp_config = option.value;
            run.mcp = mcp_servers(option.value);
        } else if (option.name == "--permission-mode") {
            static constexpr std::string_view k_modes[] = {
                "default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"};
            if (std::find(std::begin(k_modes), std::end(k_modes), option.value) ==
                std::end(k_modes)) {
                throw UsageError{"error: option '--permission-mode <mode>' argument '" +
                                 option.value + "' is invalid"};
            }
            run.permission_mode = option.value;
        }
    }
    // An interactive session may start without a prompt (it waits for the user); print mode
    // needs one.
    const std::size_t positionals = i < args.size() ? args.size() - i - 1 : 0;
    if (positionals == 0 && run.headless) {
        throw UsageError{"Error: Input must be provided either through stdin or as a prompt "
                         "argument when using --print",
                         1};
    }
    if (positionals > 1) {
        throw UsageError{"error: unexpected argument '" + args[i + 2] + "'"};
    }
    run.prompt = positionals == 1 ? args[i + 1] : "";
    if (!run.output_format.empty() && !run.headless) {
        throw UsageError{"error: --output-format only works with --print"};
    }
    if (run.headless && run.output_format.empty()) {
        run.output_format = "text";
    }
    if (run.output_format == "stream-json" && !verbose) {
        throw UsageError{
            "Error: When using --print, --output-format=stream-json requires --verbose", 1};
    }
    if (session_id && !is_uuid(*session_id)) {
        throw UsageError{"Error: Invalid session ID. Must be a valid UUID.", 1};
    }
    if (session_id && (resume || run.resumed) && !fork_session) {
        throw UsageError{"Error: --session-id can only be used with --continue or --resume if "
                         "--fork-session is also specified.",
                         1};
    }
    run.resumed = run.resumed || resume.has_value();
    if (session_id) {
        run.session = *session_id;
    } else if (resume && !fork_session) {
        run.session = *resume;
    } else {
        run.session = random_uuid(4);
    }
    if (run.model.empty()) {
        run.model = "claude-fake-model";
    }
    return run;
}

/// The run codex's argv asks for (`exec` first for headless, `resume` before `--` to resume);
/// throws UsageError with the real CLI's complaint and status.
Invocation parse_codex(const std::vector<std::string>& args) {
    Invocation run;
    std::size_t i = 1;
    if (i < args.size() && args[i] == "exec") {
        run.headless = true;
        ++i;
    }
    bool json = false;
    for (; i < args.size() && args[i] != "--"; ++i) {
        if (args[i] == "resume" && !run.resumed) {
            run.resumed = true;
            continue;
        }
        if (!args[i].starts_with("-") || args[i] == "-") {
            throw UsageError{"error: unexpected argument '" + args[i] +
                             "' (forgebot passes the prompt after --)"};
        }
        const unsigned scope = !run.headless ? k_tui : run.resumed ? k_exec_global : k_exec;
        const GivenOption option = read_option(args, i, scope);
        if (option.name == "--json") {
            json = true;
        } else if (option.name == "--model") {
            run.model = option.value;
        } else if (option.name == "--sandbox") {
            if (option.value != "read-only" && option.value != "workspace-write" &&
                option.value != "danger-full-access") {
                throw UsageError{"error: invalid value '" + option.value +
                                 "' for '--sandbox <SANDBOX_MODE>'"};
            }
            run.permission_mode = option.value;
        } else if (option.name == "--output-last-message") {
            run.last_message_file = option.value;
        } else if (option.name == "--cd") {
            run.cd = option.value;
        } else if (option.name == "--config") {
            apply_override(run, option.value);
        }
    }
    // After `--`: the thread id when resuming, then the prompt, which an interactive session may
    // leave out (it waits for the user).
    const std::size_t positionals = i < args.size() ? args.size() - i - 1 : 0;
    const std::size_t most = run.resumed ? 2 : 1;
    const std::size_t least = run.headless ? most : most - 1;
    if (positionals < least) {
        throw UsageError{run.resumed ? "error: resume needs the thread id and the prompt after --"
                                     : "error: no prompt: forgebot passes it after --"};
    }
    if (positionals > most) {
        throw UsageError{"error: unexpected argument '" + args[i + 1 + most] + "'"};
    }
    run.session = run.resumed ? args[i + 1] : random_uuid(7);
    run.prompt = positionals == most ? args.back() : "";
    run.output_format = json ? "json" : "text";
    if (run.model.empty()) {
        run.model = "gpt-fake-codex";
    }
    return run;
}

/// Reads the directives out of the prompt's whitespace-separated words.
Directives parse_directives(const std::string& prompt) {
    Directives out;
    std::istringstream words(prompt);
    std::string word;
    while (words >> word) {
        if (word.starts_with("exit=")) {
            out.exit_code = std::atoi(word.c_str() + 5);
        } else if (word == "fail") {
            out.fail = true;
        } else if (word.starts_with("sleep=")) {
            const double seconds = std::strtod(word.c_str() + 6, nullptr);
            out.sleep_seconds = std::isfinite(seconds) && seconds > 0 ? seconds : 0;
        } else if (word == "grandchild" || word == "commit" || word == "stdin" ||
                   word.starts_with("edit=") || word.starts_with("read=") ||
                   word.starts_with("connect=") || word.starts_with("call=") ||
                   word.starts_with("mcp=")) {
            out.actions.push_back(word);
        }
    }
    return out;
}

/// Sleeps `seconds` (fractions too), resuming after a signal.
void sleep_for(double seconds) {
    timespec left{static_cast<time_t>(seconds),
                  static_cast<long>((seconds - std::floor(seconds)) * 1e9)};
    while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/// Runs `argv` (searched on PATH) with stdin from `stdin_file` and `env` added, and waits for
/// it. With `capture` its stdout and stderr are collected; without, both go to this process's
/// stderr, so that nothing but the agent stream reaches stdout.
ChildResult run_child(const std::vector<std::string>& argv,
                      const std::vector<std::pair<std::string, std::string>>& env, bool capture,
                      const char* stdin_file = "/dev/null") {
    ChildResult result;
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    if (capture && (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
        result.err = "cannot create pipes: " + error_text(errno);
        return result;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        result.err = "cannot fork: " + error_text(errno);
        return result;
    }
    if (pid == 0) {
        const int in_fd = ::open(stdin_file, O_RDONLY);
        ::dup2(in_fd, 0);
        ::dup2(capture ? out_pipe[1] : 2, 1);
        if (capture) {
            ::dup2(err_pipe[1], 2);
        }
        for (const auto& [name, value] : env) {
            ::setenv(name.c_str(), value.c_str(), 1);
        }
        std::vector<char*> pointers;
        for (const auto& arg : argv) {
            pointers.push_back(const_cast<char*>(arg.c_str()));
        }
        pointers.push_back(nullptr);
        ::execvp(pointers[0], pointers.data());
        const std::string message = "cannot run " + argv[0] + ": " + error_text(errno) + "\n";
        write_all(2, message);
        ::_exit(127);
    }
    if (capture) {
        ::close(out_pipe[1]);
        ::close(err_pipe[1]);
        pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
        std::string* sinks[2] = {&result.out, &result.err};
        while (fds[0].fd >= 0 || fds[1].fd >= 0) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                break;
            }
            for (int k = 0; k < 2; ++k) {
                if (fds[k].fd < 0 || fds[k].revents == 0) {
                    continue;
                }
                char buf[4096];
                const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
                if (n > 0) {
                    sinks[k]->append(buf, static_cast<std::size_t>(n));
                } else if (n == 0 || errno != EINTR) {
                    ::close(fds[k].fd);
                    fds[k].fd = -1;
                }
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

/// Appends `edited by fake PROVIDER` to `name`; "ok" or why not.
std::string probe_edit(const std::string& name) {
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return error_text(errno);
    }
    const std::string text = "edited by fake " + std::string(k_provider) + "\n";
    const ssize_t n = ::write(fd, text.data(), text.size());
    const int write_errno = errno;
    ::close(fd);
    return n == static_cast<ssize_t>(text.size()) ? "ok" : error_text(write_errno);
}

/// `git add -A` and `git commit` in the current directory as a fake identity; the first
/// nonzero exit status, or 0.
int probe_commit() {
    const std::vector<std::pair<std::string, std::string>> identity = {
        {"GIT_AUTHOR_NAME", "fake"},
        {"GIT_AUTHOR_EMAIL", "fake@example.invalid"},
        {"GIT_COMMITTER_NAME", "fake"},
        {"GIT_COMMITTER_EMAIL", "fake@example.invalid"}};
    const ChildResult add = run_child({"git", "add", "-A"}, identity, false);
    if (add.exit_code != 0) {
        return add.exit_code;
    }
    return run_child({"git", "commit", "-q", "-m", "fake agent commit"}, identity, false).exit_code;
}

/// Opens `path` and reads a byte (a file) or an entry (a directory); "ok" or why not.
std::string probe_read(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return error_text(errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR* dir = ::fdopendir(fd);
        if (dir == nullptr) {
            const int open_errno = errno;
            ::close(fd);
            return error_text(open_errno);
        }
        errno = 0;
        const bool ok = ::readdir(dir) != nullptr || errno == 0;
        const int read_errno = errno;
        ::closedir(dir);
        return ok ? "ok" : error_text(read_errno);
    }
    char byte = 0;
    const ssize_t n = ::read(fd, &byte, 1);
    const int read_errno = errno;
    ::close(fd);
    return n >= 0 ? "ok" : error_text(read_errno);
}

/// A TCP connection over IPv4 to `target` = HOST:PORT, waiting at most 2 s; "ok" or why not.
std::string probe_connect(const std::string& target) {
    const auto colon = target.rfind(':');
    if (colon == std::string::npos) {
        return "no port in '" + target + "'";
    }
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc =
        ::getaddrinfo(target.substr(0, colon).c_str(), target.c_str() + colon + 1, &hints, &found);
    if (rc != 0) {
        return ::gai_strerror(rc);
    }
    std::string outcome = "ok";
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        outcome = error_text(errno);
    } else if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            outcome = error_text(errno);
        } else {
            pollfd pfd{fd, POLLOUT, 0};
            int n = 0;
            while ((n = ::poll(&pfd, 1, 2000)) < 0 && errno == EINTR) {
            }
            int error = 0;
            socklen_t length = sizeof error;
            if (n == 0) {
                outcome = error_text(ETIMEDOUT);
            } else if (n < 0) {
                outcome = error_text(errno);
            } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                outcome = error_text(errno);
            } else if (error != 0) {
                outcome = error_text(error);
            }
        }
    }
    if (fd >= 0) {
        ::close(fd);
    }
    ::freeaddrinfo(found);
    return outcome;
}

/// `forgebot call METHOD [--json-params JSON]` for `spec` = METHOD or METHOD:JSON.
Json probe_call(const std::string& spec, std::string& method) {
    const auto colon = spec.find(':');
    method = spec.substr(0, colon);
    std::vector<std::string> argv{"forgebot", "call", method};
    if (colon != std::string::npos) {
        argv.insert(argv.end(), {"--json-params", spec.substr(colon + 1)});
    }
    const ChildResult result = run_child(argv, {}, true);
    return {{"exit", result.exit_code}, {"out", result.out}, {"err", result.err}};
}

/// The first configured MCP server (`servers`: name → command and args), started as the real
/// CLIs start it, after the handshake (initialize at 2025-06-18, notifications/initialized,
/// tools/list), asked to call a tool: `spec` is TOOL or TOOL:JSON (the arguments). Every message
/// it wrote is kept, parsed, under `responses`.
Json probe_mcp(const Json& servers, const std::string& spec, std::string& tool) {
    const auto colon = spec.find(':');
    tool = spec.substr(0, colon);
    if (servers.empty()) {
        return {{"error", "no MCP server is configured"}};
    }
    const Json& server = servers.begin().value();
    std::vector<std::string> argv{server.value("command", "")};
    for (const auto& arg : server.value("args", Json::array())) {
        argv.push_back(arg.get<std::string>());
    }
    const Json arguments = colon == std::string::npos
                               ? Json::object()
                               : Json::parse(spec.substr(colon + 1), nullptr, false);
    const Json messages[] = {
        {{"jsonrpc", "2.0"},
         {"id", 1},
         {"method", "initialize"},
         {"params",
          {{"protocolVersion", "2025-06-18"},
           {"capabilities", Json::object()},
           {"clientInfo", {{"name", "fake-" + std::string(k_provider)}, {"version", "0"}}}}}},
        {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
        {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}},
        {{"jsonrpc", "2.0"},
         {"id", 3},
         {"method", "tools/call"},
         {"params", {{"name", tool}, {"arguments", arguments}}}}};
    char input[] = "/tmp/fake-mcp-XXXXXX";
    const int fd = ::mkstemp(input);
    if (fd < 0) {
        return {{"error", "cannot create a temporary file: " + error_text(errno)}};
    }
    for (const auto& message : messages) {
        write_all(fd, dump(message) + "\n");
    }
    ::close(fd);
    const ChildResult result = run_child(argv, {}, true, input);
    ::unlink(input);
    Json responses = Json::array();
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
        responses.push_back(Json::parse(line, nullptr, false));
    }
    return {{"exit", result.exit_code}, {"responses", responses}, {"err", result.err}};
}

/// Reads stdin to its end; the number of bytes.
std::size_t probe_stdin() {
    std::size_t total = 0;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return total;
        }
        total += static_cast<std::size_t>(n);
    }
}

/// Forks a child in this process group that holds no stdio and sleeps 600 s; returns its pid.
pid_t start_grandchild() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_RDWR);
        ::dup2(null_fd, 0);
        ::dup2(null_fd, 1);
        ::dup2(null_fd, 2);
        ::close_range(3, ~0U, 0);
        sleep_for(600);
        ::_exit(0);
    }
    return pid;
}

/// Runs the directives' actions in prompt order, filling `probes`; returns one line per action
/// saying what happened, for the agent's message.
std::vector<std::string> run_actions(const Directives& directives, const Json& mcp, Json& probes) {
    std::vector<std::string> did;
    for (const auto& action : directives.actions) {
        const auto eq = action.find('=');
        const std::string arg = eq == std::string::npos ? "" : action.substr(eq + 1);
        if (action.starts_with("edit=")) {
            const std::string outcome = probe_edit(arg);
            probes["edit:" + arg] = outcome;
            did.push_back(action + ": " + outcome);
        } else if (action == "commit") {
            const int status = probe_commit();
            probes["commit"] = status;
            did.push_back("commit: exit " + std::to_string(status));
        } else if (action.starts_with("read=")) {
            const std::string outcome = probe_read(arg);
            probes["read:" + arg] = outcome;
            did.push_back(action + ": " + outcome);
        } else if (action.starts_with("connect=")) {
            const std::string outcome = probe_connect(arg);
            probes["connect:" + arg] = outcome;
            did.push_back(action + ": " + outcome);
        } else if (action.starts_with("call=")) {
            std::string method;
            Json outcome = probe_call(arg, method);
            did.push_back("call " + method + ": exit " +
                          std::to_string(outcome["exit"].get<int>()));
            probes["call:" + method] = std::move(outcome);
        } else if (action.starts_with("mcp=")) {
            std::string tool;
            Json outcome = probe_mcp(mcp, arg, tool);
            did.push_back("mcp " + tool + ": exit " + outcome.value("exit", Json(-1)).dump());
            probes["mcp:" + tool] = std::move(outcome);
        } else if (action == "stdin") {
            const std::size_t bytes = probe_stdin();
            probes["stdin_bytes"] = bytes;
            did.push_back("stdin: " + std::to_string(bytes) + " bytes");
        } else if (action == "grandchild") {
            const pid_t pid = start_grandchild();
            probes["grandchild_pid"] = pid;
            did.push_back("grandchild: pid " + std::to_string(pid));
        }
    }
    return did;
}

/// Appends `record` as one line to $HOME/fake-agent.jsonl and syncs it to disk.
void write_record(const Json& record) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
        write_all(2, "fake " + std::string(k_provider) + ": HOME is not set; no record written\n");
        return;
    }
    const std::string path = std::string(home) + "/fake-agent.jsonl";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        write_all(2, "fake " + std::string(k_provider) + ": cannot open " + path + ": " +
                         error_text(errno) + "\n");
        return;
    }
    write_all(fd, dump(record) + "\n");
    ::fsync(fd);
    ::close(fd);
}

/// This process's environment as an object of NAME: VALUE.
Json environment() {
    Json env = Json::object();
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq != std::string_view::npos) {
            env[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
        }
    }
    return env;
}

/// The working directory, or "" when it is gone.
std::string current_dir() {
    std::error_code ec;
    return std::filesystem::current_path(ec).string();
}

/// What the agent says it did.
std::string message_text(const std::vector<std::string>& did) {
    std::string text = "fake " + std::string(k_provider);
    if (did.empty()) {
        return text + ": nothing to do";
    }
    text += " did: ";
    for (std::size_t i = 0; i < did.size(); ++i) {
        text += (i == 0 ? "" : "; ") + did[i];
    }
    return text;
}

/// A claude `usage` object, as on assistant messages and the result.
Json claude_usage(std::size_t output_tokens) {
    return {{"input_tokens", 11},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", 0},
            {"output_tokens", output_tokens},
            {"server_tool_use", {{"web_search_requests", 0}}}};
}

/// Does the whole run; returns the exit status. Throws UsageError for a command line the real
/// CLI would refuse, before anything is printed or recorded.
int run(const std::vector<std::string>& args) {
    const auto started = Clock::now();
    Invocation run = k_is_claude ? parse_claude(args) : parse_codex(args);
    Json servers = Json::array();
    for (const auto& [name, server] : run.mcp.items()) {
        servers.push_back({{"name", name}, {"status", "connected"}});
    }
    if (run.cd && ::chdir(run.cd->c_str()) != 0) {
        throw UsageError{"Error: cannot change to " + *run.cd + ": " + error_text(errno), 1};
    }
    if (!k_is_claude && run.headless && run.prompt == "-") {
        std::string prompt;
        char buf[4096];
        ssize_t n = 0;
        while ((n = ::read(0, buf, sizeof buf)) > 0) {
            prompt.append(buf, static_cast<std::size_t>(n));
        }
        run.prompt = prompt;
    }
    const Directives directives = parse_directives(run.prompt);
    const bool stream = run.headless && (run.output_format == "stream-json" ||
                                         (!k_is_claude && run.output_format == "json"));

    if (!run.headless) {
        emit_line("fake " + std::string(k_provider) + ": interactive session " + run.session);
    } else if (stream && k_is_claude) {
        emit({{"type", "system"},
              {"subtype", "init"},
              {"cwd", current_dir()},
              {"session_id", run.session},
              {"tools",
               {"Task", "Bash", "Glob", "Grep", "LS", "Read", "Edit", "MultiEdit", "Write",
                "WebFetch", "TodoWrite", "WebSearch"}},
              {"mcp_servers", servers},
              {"model", run.model},
              {"permissionMode", run.permission_mode},
              {"apiKeySource", "none"}});
    } else if (stream) {
        emit({{"type", "thread.started"}, {"thread_id", run.session}});
        emit({{"type", "turn.started"}});
    }

    Json probes = Json::object();
    const std::string text = message_text(run_actions(directives, run.mcp, probes));
    Json record = {{"provider", k_provider}, {"argv", args},
                   {"env", environment()},   {"cwd", current_dir()},
                   {"pid", ::getpid()},      {"mode", run.headless ? "headless" : "interactive"},
                   {"session", run.session}, {"resumed", run.resumed},
                   {"prompt", run.prompt},   {"probes", probes}};
    if (!run.mcp.empty()) {
        record["mcp_servers"] = servers;
        record["mcp_config"] = run.mcp;
    }
    write_record(record);

    const std::string failure = "fake " + std::string(k_provider) + " failed as asked (fail)";
    if (stream && k_is_claude) {
        emit({{"type", "assistant"},
              {"message",
               {{"id", "msg_fake_" + run.session.substr(0, 8)},
                {"type", "message"},
                {"role", "assistant"},
                {"model", run.model},
                {"content", Json::array({Json{{"type", "text"}, {"text", text}}})},
                {"stop_reason", nullptr},
                {"stop_sequence", nullptr},
                {"usage", claude_usage(text.size() / 4)}}},
              {"parent_tool_use_id", nullptr},
              {"session_id", run.session}});
    } else if (stream) {
        emit({{"type", "item.completed"},
              {"item", {{"id", "item_0"}, {"type", "agent_message"}, {"text", text}}}});
    }

    sleep_for(directives.sleep_seconds);
    const auto elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    if (!run.headless) {
        // The interactive line was all there is to print.
    } else if (k_is_claude && run.output_format != "text") {
        Json result = {{"type", "result"},
                       {"subtype", directives.fail ? "error_during_execution" : "success"},
                       {"is_error", directives.fail},
                       {"duration_ms", elapsed_ms},
                       {"duration_api_ms", elapsed_ms},
                       {"num_turns", 1}};
        if (directives.fail) {
            result["errors"] = Json::array({failure});
        } else {
            result["result"] = text;
        }
        result["session_id"] = run.session;
        result["total_cost_usd"] = k_cost_usd;
        result["usage"] = claude_usage(text.size() / 4);
        result["permission_denials"] = Json::array();
        result["uuid"] = random_uuid(4);
        emit(result);
    } else if (stream) {
        if (directives.fail) {
            emit({{"type", "turn.failed"}, {"error", {{"message", failure}}}});
        } else {
            emit({{"type", "turn.completed"},
                  {"usage",
                   {{"input_tokens", 2946}, {"cached_input_tokens", 0}, {"output_tokens", 7}}}});
        }
    } else {
        emit_line(directives.fail ? failure : text);
    }
    if (run.last_message_file) {
        std::ofstream(*run.last_message_file, std::ios::binary | std::ios::trunc) << text;
    }
    return directives.exit_code;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv, argv + argc);
    try {
        return run(args);
    } catch (const UsageError& e) {
        write_all(2, e.message + "\n");
        return e.exit_code;
    }
}
