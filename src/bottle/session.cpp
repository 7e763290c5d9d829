// Starting, resuming, freezing and destroying bottles: the workspace, the sidecar, the agent's
// run with its transcript, timeout and signals, and the record in the store.
#include "bottle/session.hpp"

#include "agent/manifest.hpp"
#include "agent/provider.hpp"
#include "bottle/render.hpp"
#include "bottle/sandbox.hpp"
#include "bottle/sidecar_launch.hpp"
#include "util/child.hpp"
#include "util/error.hpp"
#include "util/exit_code.hpp"
#include "util/git.hpp"
#include "util/process.hpp"
#include "util/suggest.hpp"
#include "util/time.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <poll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

namespace forgebot::bottle {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr auto k_stop_grace = std::chrono::seconds(5);
/// How long an agent may keep running after it reported its result.
constexpr auto k_exit_grace = std::chrono::seconds(10);
/// How long the output pipe is read after the agent ended, when something else holds it open.
constexpr auto k_drain_grace = std::chrono::seconds(2);
/// The file in FORGEBOT_HOME that keeps a positive bubblewrap probe (see BwrapProbe).
constexpr const char* k_bwrap_probe_file = "bwrap-probe";

/// A descriptor closed on scope exit.
class Fd {
public:
    explicit Fd(int fd = -1) noexcept : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    int get() const noexcept { return m_fd; }

private:
    int m_fd;
};

int open_append(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw Error(Errc::io, "cannot open " + file.string() + ": " + std::strerror(errno));
    }
    return fd;
}

/// Writes `text` to `file`, replacing it. Throws Error{Errc::io}.
void write_text(const fs::path& file, std::string_view text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        throw Error(Errc::io, "cannot write " + file.string());
    }
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// Blocks the signals a session handles itself, for as long as it lives, and reads them from
/// a signalfd.
class SignalGuard {
public:
    SignalGuard() {
        sigemptyset(&m_set);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
            sigaddset(&m_set, sig);
        }
        ::sigprocmask(SIG_BLOCK, &m_set, &m_old);
        m_fd = ::signalfd(-1, &m_set, SFD_CLOEXEC | SFD_NONBLOCK);
    }
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;
    ~SignalGuard() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        ::sigprocmask(SIG_SETMASK, &m_old, nullptr);
    }
    int fd() const noexcept { return m_fd; }

    /// The next pending signal, or 0.
    int take() const noexcept {
        signalfd_siginfo info{};
        if (m_fd >= 0 && ::read(m_fd, &info, sizeof info) == sizeof info) {
            return static_cast<int>(info.ssi_signo);
        }
        return 0;
    }

private:
    sigset_t m_set{};
    sigset_t m_old{};
    int m_fd = -1;
};

/// A random UUID (version 4), for a claude session chosen in advance.
std::string random_uuid() {
    unsigned char b[16];
    if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) {
        throw Error(Errc::io, "cannot read random bytes");
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    char out[37];
    std::snprintf(out, sizeof out,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return out;
}

/// `text` quoted for a POSIX shell, for command lines shown to people.
std::string shell_quote(std::string_view text) {
    if (!text.empty() &&
        text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                               "YZ0123456789-_./=:,+@%") == std::string_view::npos) {
        return std::string(text);
    }
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out.push_back(c);
        }
    }
    return out + "'";
}

std::string join_argv(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        out += (out.empty() ? "" : " ") + shell_quote(arg);
    }
    return out;
}

json to_json(const agent::RunSummary& summary, bool success) {
    json out{{"success", success}, {"text", summary.result}};
    if (summary.cost_usd) {
        out["cost_usd"] = *summary.cost_usd;
    }
    if (summary.num_turns) {
        out["num_turns"] = *summary.num_turns;
    }
    if (summary.duration_ms) {
        out["duration_ms"] = *summary.duration_ms;
    }
    if (summary.usage) {
        out["usage"] = {{"input_tokens", summary.usage->input_tokens},
                        {"cached_input_tokens", summary.usage->cached_input_tokens},
                        {"cache_creation_input_tokens", summary.usage->cache_creation_input_tokens},
                        {"output_tokens", summary.usage->output_tokens}};
    }
    return out;
}

json parse_details(const store::BottleRecord& record) {
    auto details = json::parse(record.details, nullptr, false);
    return details.is_object() ? details : json::object();
}

std::optional<std::string> json_string(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
        return std::nullopt;
    }
    return it->get<std::string>();
}

Workspace recorded_workspace(const store::BottleRecord& record, const json& details) {
    Workspace workspace;
    workspace.kind = parse_workspace_kind(json_string(details, "workspace_kind").value_or(""))
                         .value_or(WorkspaceKind::worktree);
    workspace.path = record.workspace;
    workspace.branch = record.branch;
    workspace.source = json_string(details, "source").value_or("");
    if (const auto it = details.find("read_only"); it != details.end() && it->is_array()) {
        for (const auto& path : *it) {
            if (path.is_string()) {
                workspace.read_only_paths.emplace_back(path.get<std::string>());
            }
        }
    }
    return workspace;
}

std::string cost_text(const json& details) {
    const auto result = details.find("result");
    if (result != details.end() && result->contains("cost_usd") &&
        (*result)["cost_usd"].is_number()) {
        return format_cost((*result)["cost_usd"].get<double>());
    }
    return "unknown";
}

/// Gives a forge run of `provider` forgebot's MCP server (`forgebot mcp --socket SOCKET`), so
/// that its agent reaches the sidecar through tools: claude through a configuration file, whose
/// text is returned for the caller to write to `paths.mcp_config` before the run, with the
/// server's tools allowed; codex through configuration overrides. A command provider gets
/// nothing (it keeps `forgebot call`). Rationale: the file lives in the sidecar directory, which
/// the sandbox shows at the same path, because claude reads it from inside.
std::optional<std::string> wire_mcp(agent::RunRequest& request, agent::ProviderKind provider,
                                    const BottlePaths& paths, const fs::path& forgebot) {
    const agent::McpServer server{
        "forgebot", forgebot.string(), {"mcp", "--socket", paths.socket.string()}};
    if (provider == agent::ProviderKind::codex) {
        request.mcp_servers.push_back(server);
    }
    if (provider != agent::ProviderKind::claude) {
        return std::nullopt;
    }
    request.mcp_config = paths.mcp_config;
    request.allowed_tools.push_back("mcp__" + server.name + "__*");
    const json config = {
        {"mcpServers", {{server.name, {{"command", server.command}, {"args", server.args}}}}}};
    return config.dump(2) + "\n";
}

/// Whether a forge run of `provider` works through MCP tools rather than `forgebot call`.
bool speaks_mcp(agent::ProviderKind provider) {
    return provider == agent::ProviderKind::claude || provider == agent::ProviderKind::codex;
}

} // namespace

/// Everything one run needs, worked out before anything is created.
struct Sessions::Prepared {
    store::BottleRecord record;
    json details = json::object();
    BottlePaths paths;
    agent::AgentManifest manifest;
    std::unique_ptr<agent::Provider> provider;
    BottleProfile profile;
    BackendKind backend = BackendKind::process;
    std::vector<std::string> agent_argv;
    LaunchRequest launch_request;
    std::optional<SidecarSpec> sidecar;
    std::optional<std::chrono::seconds> timeout;
    bool interactive = false;
    std::function<void(const store::BottleRecord&)> on_run;
    std::optional<std::string> mcp_config; ///< written to paths.mcp_config before the run
    std::optional<BwrapProbe> bwrap;       ///< whether bubblewrap can sandbox here
};

Sessions::Sessions(store::BottleStore* bottles, fs::path home, ForgeResolver resolve,
                   Console console)
    : m_bottles(bottles), m_home(std::move(home)), m_resolve(std::move(resolve)),
      m_console(console) {}

store::BottleStore& Sessions::bottles() {
    assert(m_bottles != nullptr);
    return *m_bottles;
}

store::BottleRecord Sessions::get(const std::string& identity) {
    if (auto record = bottles().get(identity)) {
        return *record;
    }
    std::vector<std::string> known;
    for (const auto& record : bottles().all()) {
        known.push_back(record.identity);
    }
    std::string message = "no bottle named " + identity;
    if (auto guess = util::closest(identity, known)) {
        message += " (did you mean " + *guess + "?)";
    } else {
        message += "; forgebot list shows them";
    }
    throw Error(Errc::not_found, message);
}

bool is_running(const store::BottleRecord& record) {
    return (record.status == status::running || record.status == status::creating) && record.pid &&
           util::process_alive(*record.pid);
}

json record_json(const store::BottleRecord& record) {
    json out{
        {"identity", record.identity},
        {"agent", record.agent},
        {"bottles", record.bottle_names},
        {"backend", record.backend},
        {"workspace", record.workspace.string()},
        {"branch", record.branch},
        {"provider_session",
         record.provider_session ? json(*record.provider_session) : json(nullptr)},
        {"status", record.status},
        {"running", is_running(record)},
        {"pid", record.pid ? json(*record.pid) : json(nullptr)},
        {"exit_code", record.exit_code ? json(*record.exit_code) : json(nullptr)},
        {"created_at", util::format_utc(record.created_at)},
        {"started_at",
         record.started_at ? json(util::format_utc(*record.started_at)) : json(nullptr)},
        {"ended_at", record.ended_at ? json(util::format_utc(*record.ended_at)) : json(nullptr)}};
    if (record.issue) {
        out["issue"] = {{"owner", record.issue->owner},
                        {"repo", record.issue->repo},
                        {"number", record.issue->issue_number}};
    }
    const auto details = parse_details(record);
    for (auto it = details.begin(); it != details.end(); ++it) {
        if (!out.contains(it.key())) {
            out[it.key()] = it.value();
        }
    }
    return out;
}

std::string forge_overlay(const ForgeRun& run, std::string_view branch, bool mcp_tools) {
    const std::string issue = run.owner + "/" + run.repo + "#" + std::to_string(run.issue);
    const std::string number = std::to_string(run.issue);
    // A sidecar method as the agent reaches it: an MCP tool, or a `forgebot call` command.
    auto name = [mcp_tools](const std::string& method) {
        return "`" + (mcp_tools ? "forge_" + method : method) + "`";
    };
    auto call = [mcp_tools](const std::string& method, const std::string& params) {
        if (mcp_tools) {
            return "`forge_" + method + "`" + (params.empty() ? "" : " with `" + params + "`");
        }
        return "`forgebot call " + method + (params.empty() ? "" : " '" + params + "'") + "`";
    };
    return "You are working on issue " + issue +
           " of a git forge. You have no forge credentials; a sidecar does the forge work "
           "for you, and you reach it " +
           (mcp_tools ? "through the tools of the `forgebot` MCP server"
                      : "with the `forgebot call` command") +
           ":\n- " + call("read_issue", "{\"number\": " + number + "}") + ", " +
           name("read_comments") + ", " + name("read_pr") + " read issues and pull requests.\n- " +
           call("post_comment", "{\"number\": " + number + ", \"body\": \"...\"}") +
           " comments on the issue" +
           (mcp_tools ? " and " + name("update_description") + " replaces a description" : "") +
           " (you may write only to this issue and its pull requests).\n"
           "- Commit your work on the current branch (" +
           std::string(branch) + "), then " + call("push_branch", "") + " publishes it and " +
           call("open_pr", "{\"title\": \"...\", \"body\": \"...\"}") +
           " opens the pull request.\n- When a unit of work is complete, call " +
           call("signal_done", "{\"status\": \"success\", \"summary\": \"...\"}") +
           " (status `failure` when you cannot finish, `needs_human` when a person must "
           "decide).\n" +
           (mcp_tools ? "A tool result marked as an error says what went wrong, such as a write "
                        "outside this issue."
                      : "`forgebot call --help` lists every method.");
}

SessionOutcome Sessions::start(const StartOptions& options) {
    if (options.headless && options.prompt.empty()) {
        throw Error(Errc::usage, "--headless requires --prompt: forgebot start " + options.agent +
                                     " --headless --prompt 'Fix the failing test'");
    }
    Prepared p;
    p.manifest = agent::load_manifest(options.agent);
    p.provider = agent::make_provider(p.manifest);
    p.interactive = !options.headless;
    p.on_run = options.on_run;
    const auto profile_names =
        options.bottles.empty() ? std::vector<std::string>{p.manifest.bottle} : options.bottles;
    p.profile = load_profiles(profile_names, profiles_dir());
    p.bwrap.emplace(m_home / k_bwrap_probe_file, !options.dry_run);
    if (options.backend) {
        p.backend = *options.backend;
    } else {
        p.backend = choose_backend(p.profile, *p.bwrap);
        if (!p.profile.backend) {
            std::string why;
            if (p.backend == BackendKind::bwrap) {
                m_console.err << "forgebot: using the bwrap backend\n";
            } else {
                p.bwrap->usable(&why);
                m_console.err << "forgebot: bubblewrap cannot sandbox here (" << why
                              << "); using the process backend, which does not isolate the agent\n";
            }
        }
    }
    if (p.backend == BackendKind::bwrap) {
        p.bwrap->require();
    }
    p.timeout = options.timeout ? options.timeout : p.manifest.timeout;

    // Where the work comes from.
    Workspace workspace;
    std::optional<HostRepository> host;
    std::optional<ForgeConnection> connection;
    if (options.forge) {
        if (options.copy || options.repo) {
            throw Error(Errc::usage, "--repo and --copy do not go with --forge: a forge run "
                                     "clones the forge's repository");
        }
        workspace.kind = WorkspaceKind::forge_clone;
        connection = m_resolve(options.forge->forge);
    } else {
        const fs::path from = options.repo ? *options.repo : fs::current_path();
        if (options.copy) {
            std::error_code ec;
            if (!fs::is_directory(from, ec)) {
                throw Error(Errc::not_found, from.string() + " is not a directory");
            }
            workspace.kind = WorkspaceKind::copy;
            workspace.source = fs::absolute(from);
        } else {
            host = find_repository(from, options.base);
            if (!host) {
                throw Error(Errc::usage, from.string() +
                                             " is not in a git repository; pass --repo PATH, or "
                                             "--copy to work on a copy of a plain directory");
            }
            workspace.kind = p.backend == BackendKind::bwrap ? WorkspaceKind::reference_clone
                                                             : WorkspaceKind::worktree;
            workspace.source = host->top;
            if (workspace.kind == WorkspaceKind::reference_clone) {
                workspace.read_only_paths.push_back(host->common_dir / "objects");
            }
        }
    }

    const std::string identity =
        m_bottles != nullptr
            ? new_identity(options.agent,
                           [this](const std::string& id) { return bottles().get(id).has_value(); })
            : new_identity(options.agent, [](const std::string&) { return false; });
    p.paths = bottle_paths(m_home, identity);
    workspace.path = p.paths.workspace;
    if (workspace.kind != WorkspaceKind::copy) {
        workspace.branch = options.forge
                               ? "forgebot/" + std::to_string(options.forge->issue) + "-" + identity
                               : "forgebot/" + identity;
    }

    std::string prompt = options.prompt;
    if (options.forge) {
        prompt += (prompt.empty() ? "" : "\n\n") +
                  forge_overlay(*options.forge, workspace.branch, speaks_mcp(p.manifest.provider));
    }
    auto request = agent::make_request(p.manifest, prompt, workspace.path);
    if (options.forge) {
        p.mcp_config = wire_mcp(request, p.manifest.provider, p.paths, self_executable());
    }
    request.interactive = p.interactive;
    if (p.interactive && p.manifest.provider == agent::ProviderKind::claude) {
        request.session_id = random_uuid();
    }
    if (!options.headless && options.prompt.empty()) {
        request.prompt.clear();
    }
    p.agent_argv = p.provider->start_argv(request);

    p.record.identity = identity;
    p.record.agent = p.manifest.name;
    p.record.bottle_names = p.profile.names;
    p.record.backend = std::string(backend_name(p.backend));
    p.record.workspace = workspace.path;
    p.record.branch = workspace.branch;
    p.record.status = status::creating;
    p.record.created_at = util::now_seconds();
    p.record.provider_session = request.session_id;
    p.details = {{"provider", std::string(agent::provider_name(p.manifest.provider))},
                 {"workspace_kind", std::string(workspace_kind_name(workspace.kind))},
                 {"source", workspace.source.string()},
                 {"base", options.base}};
    if (options.label) {
        p.details["label"] = *options.label;
    }
    if (p.timeout) {
        p.details["timeout_seconds"] = p.timeout->count();
    }
    if (options.forge) {
        p.record.issue =
            store::IssueKey{options.forge->owner, options.forge->repo, options.forge->issue};
        p.details["forge"] = {{"name", options.forge->forge},
                              {"owner", options.forge->owner},
                              {"repo", options.forge->repo},
                              {"issue", options.forge->issue},
                              {"prs", options.forge->prs}};
        SidecarSpec spec;
        spec.identity = identity;
        spec.kind = connection->kind;
        spec.api_url = connection->api_url;
        spec.owner = options.forge->owner;
        spec.repo = options.forge->repo;
        spec.issue = options.forge->issue;
        spec.prs = options.forge->prs;
        spec.workspace = workspace.path;
        spec.branch = workspace.branch;
        spec.token = connection->token;
        p.sidecar = std::move(spec);
    }
    prepare_launch(p, workspace);

    if (options.dry_run || p.interactive) {
        print_plan(p, workspace);
        if (options.dry_run) {
            return {identity, 0};
        }
        if (!confirm()) {
            m_console.err << "forgebot: not started\n";
            return {identity, to_int(ExitCode::failure)};
        }
    }

    // Create the bottle; undo everything if any step fails before the agent runs.
    bottles().upsert(with_details(p));
    try {
        create_bottle_dirs(p.paths);
        if (host && p.interactive) {
            // Rationale: BASE is read after the answer, as it always was, in case the user
            // moved it while the question waited; headless, the plan's lookup serves.
            host = open_repository(workspace.source, options.base);
        }
        switch (workspace.kind) {
        case WorkspaceKind::worktree:
            workspace = create_worktree(*host, workspace.branch, workspace.path);
            break;
        case WorkspaceKind::reference_clone:
            workspace = create_reference_clone(*host, workspace.branch, workspace.path);
            break;
        case WorkspaceKind::copy:
            workspace = copy_directory(workspace.source, workspace.path);
            break;
        case WorkspaceKind::forge_clone: {
            forge::ForgeConfig config;
            config.kind = connection->kind;
            config.api_url = connection->api_url;
            config.owner = options.forge->owner;
            config.repo = options.forge->repo;
            config.token = connection->token;
            const auto client = forge::make_forge(config);
            ForgeCloneSource source;
            source.clone_url = client->clone_url();
            source.token = connection->token;
            source.kind = connection->kind;
            source.base = options.forge->base;
            workspace = create_forge_clone(source, workspace.branch, workspace.path);
            break;
        }
        }
        p.details["read_only"] = json::array();
        for (const auto& path : workspace.read_only_paths) {
            p.details["read_only"].push_back(path.string());
        }
    } catch (...) {
        discard(p, workspace);
        throw;
    }
    return run(p, options.json);
}

SessionOutcome Sessions::resume(const ResumeOptions& options) {
    if (options.headless && options.prompt.empty()) {
        throw Error(Errc::usage, "--headless requires --prompt: forgebot resume " +
                                     options.identity +
                                     " --headless --prompt 'Address the review'");
    }
    if (!options.headless && !options.prompt.empty()) {
        throw Error(Errc::usage, "--prompt is only valid with --headless");
    }
    Prepared p;
    p.record = get(options.identity);
    p.details = parse_details(p.record);
    if (p.record.status == status::destroyed) {
        throw Error(Errc::usage, "bottle " + options.identity +
                                     " is destroyed; start a new one with forgebot start " +
                                     p.record.agent);
    }
    if (is_running(p.record)) {
        throw Error(Errc::usage, "bottle " + options.identity + " is already running (pid " +
                                     std::to_string(*p.record.pid) +
                                     "); wait for it, or stop it with forgebot freeze " +
                                     options.identity);
    }
    const auto workspace = recorded_workspace(p.record, p.details);
    std::error_code ec;
    if (!fs::is_directory(workspace.path, ec)) {
        throw Error(Errc::not_found, "the workspace of " + options.identity + " (" +
                                         workspace.path.string() + ") is gone");
    }
    p.manifest = agent::load_manifest(p.record.agent);
    p.provider = agent::make_provider(p.manifest);
    p.profile = load_profiles(p.record.bottle_names, profiles_dir());
    p.paths = bottle_paths(m_home, p.record.identity);
    p.interactive = !options.headless;
    p.on_run = options.on_run;
    p.backend = parse_backend(p.record.backend).value_or(BackendKind::process);
    if (options.backend && *options.backend != p.backend) {
        if (*options.backend == BackendKind::bwrap && workspace.kind == WorkspaceKind::worktree) {
            throw Error(Errc::usage, "bottle " + options.identity +
                                         " has a worktree of the host repository, which bwrap "
                                         "would expose; resume it with --backend process");
        }
        p.backend = *options.backend;
    }
    p.bwrap.emplace(m_home / k_bwrap_probe_file, !options.dry_run);
    if (p.backend == BackendKind::bwrap) {
        p.bwrap->require();
    }
    p.timeout = options.timeout;
    if (!p.timeout && p.details.contains("timeout_seconds") &&
        p.details["timeout_seconds"].is_number_integer()) {
        p.timeout = std::chrono::seconds(p.details["timeout_seconds"].get<std::int64_t>());
    }

    std::string prompt = options.prompt;
    if (!p.record.provider_session && options.headless) {
        // No session to continue: a fresh one in the same workspace, told what came before.
        const auto previous = p.details.contains("result") && p.details["result"].is_object()
                                  ? json_string(p.details["result"], "text")
                                  : std::nullopt;
        if (previous && !previous->empty()) {
            prompt = "The previous session in this workspace ended with:\n" + *previous + "\n\n" +
                     prompt;
        }
    }
    auto request = agent::make_request(p.manifest, prompt, workspace.path);
    request.interactive = p.interactive;
    if (p.interactive) {
        request.prompt.clear();
    }
    const bool forge_run = p.record.issue && p.details.contains("forge");
    if (forge_run) {
        p.mcp_config = wire_mcp(request, p.manifest.provider, p.paths, self_executable());
    }
    p.agent_argv = p.record.provider_session
                       ? p.provider->resume_argv(request, *p.record.provider_session)
                       : p.provider->start_argv(request);

    if (forge_run) {
        const auto& forge_details = p.details["forge"];
        const auto connection = m_resolve(json_string(forge_details, "name").value_or(""));
        SidecarSpec spec;
        spec.identity = p.record.identity;
        spec.kind = connection.kind;
        spec.api_url = connection.api_url;
        spec.owner = p.record.issue->owner;
        spec.repo = p.record.issue->repo;
        spec.issue = p.record.issue->issue_number;
        if (forge_details.contains("prs") && forge_details["prs"].is_array()) {
            for (const auto& pr : forge_details["prs"]) {
                if (pr.is_number_integer()) {
                    spec.prs.push_back(pr.get<std::int64_t>());
                }
            }
        }
        spec.workspace = workspace.path;
        spec.branch = workspace.branch;
        spec.token = connection.token;
        p.sidecar = std::move(spec);
    }
    prepare_launch(p, workspace);
    if (options.dry_run || p.interactive) {
        print_plan(p, workspace);
        if (options.dry_run) {
            return {p.record.identity, 0};
        }
        if (!confirm()) {
            m_console.err << "forgebot: not resumed\n";
            return {p.record.identity, to_int(ExitCode::failure)};
        }
    }
    p.record.backend = std::string(backend_name(p.backend));
    p.record.exit_code.reset();
    p.record.ended_at.reset();
    return run(p, options.json);
}

void Sessions::prepare_launch(Prepared& p, const Workspace& workspace) {
    auto& request = p.launch_request;
    request.argv = p.agent_argv;
    request.workspace = workspace.path;
    request.home = p.paths.home;
    request.read_only = workspace.read_only_paths;
    request.forgebot_binary = self_executable();
    request.profile = p.profile;
    request.host_path = util::get_env("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
    auto& env = request.env;
    env["PATH"] = request.forgebot_binary.parent_path().string() + ":" + request.host_path;
    env["HOME"] = p.paths.home.string();
    env["FORGEBOT_IDENTITY"] = p.record.identity;
    std::vector<std::string> names{"LANG", "TERM"};
    names.insert(names.end(), p.manifest.env.begin(), p.manifest.env.end());
    names.insert(names.end(), p.profile.env.begin(), p.profile.env.end());
    for (const auto& name : names) {
        if (auto value = util::get_env(name)) {
            env[name] = *value;
        }
    }
    if (p.sidecar) {
        request.sidecar_dir = p.paths.sidecar_dir;
        env["FORGEBOT_SIDECAR_SOCKET"] = p.paths.socket.string();
    }
}

void Sessions::print_plan(const Prepared& p, const Workspace& workspace) {
    const auto launch = plan_launch(p.backend, p.launch_request);
    auto& out = m_console.out;
    out << "identity:  " << p.record.identity << "\n"
        << "agent:     " << p.manifest.name << " (" << agent::provider_name(p.manifest.provider)
        << ")\n"
        << "backend:   " << backend_name(p.backend) << "\n"
        << "workspace: " << workspace.path.string() << " (" << workspace_kind_name(workspace.kind);
    if (!workspace.source.empty()) {
        out << " of " << workspace.source.string();
    }
    out << ")\n";
    if (!workspace.branch.empty()) {
        out << "branch:    " << workspace.branch << "\n";
    }
    if (p.sidecar) {
        out << "sidecar:   " << p.paths.socket.string() << " for " << p.sidecar->owner << "/"
            << p.sidecar->repo << "#" << p.sidecar->issue << "\n";
    }
    if (p.timeout) {
        out << "timeout:   " << p.timeout->count() << "s\n";
    }
    out << "command:   " << join_argv(launch.argv) << "\n";
    out << "env:      ";
    for (const auto& entry : launch.env) {
        out << " " << entry.substr(0, entry.find('='));
    }
    out << "\n";
    for (const auto& line : launch.binds) {
        out << "bind:      " << line << "\n";
    }
    out.flush();
}

bool Sessions::confirm() {
    m_console.out << "Proceed? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(m_console.in, answer)) {
        m_console.out << "\n";
        return false;
    }
    return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES" || answer == "Yes";
}

store::BottleRecord Sessions::with_details(Prepared& p) {
    p.record.details = p.details.dump();
    return p.record;
}

void Sessions::discard(Prepared& p, const Workspace& workspace) {
    try {
        remove_workspace(workspace, false);
    } catch (const std::exception&) {
    }
    std::error_code ec;
    fs::remove_all(p.paths.root, ec);
    try {
        bottles().remove(p.record.identity);
    } catch (const std::exception&) {
    }
}

SessionOutcome Sessions::run(Prepared& p, bool json_output) {
    auto launch = plan_launch(p.backend, p.launch_request);
    SignalGuard signals;
    std::optional<util::Child> sidecar;
    if (p.sidecar) {
        p.sidecar->forgebot_binary = p.launch_request.forgebot_binary;
        if (p.mcp_config) {
            write_text(p.paths.mcp_config, *p.mcp_config);
        }
        sidecar.emplace(start_sidecar(*p.sidecar, p.paths));
        p.details["sidecar_pid"] = sidecar->pid();
    }

    // What the branch names as the agent starts; fetch_back skips the fetch when it is unmoved.
    const auto workspace = recorded_workspace(p.record, p.details);
    const auto tip_at_start = read_branch_tip(workspace);
    Fd transcript(open_append(p.paths.transcript));
    Fd agent_log(open_append(p.paths.agent_log));
    util::SpawnOptions spawn;
    spawn.argv = launch.argv;
    spawn.env = launch.env;
    spawn.cwd = launch.cwd;
    spawn.new_process_group = !p.interactive;
    spawn.in = p.interactive ? util::Stdio::inherit : util::Stdio::null;
    spawn.out = p.interactive ? util::Stdio::inherit : util::Stdio::pipe;
    spawn.err_fd = p.interactive ? -1 : agent_log.get();
    std::optional<util::Child> child;
    try {
        child.emplace(util::Child::spawn(spawn));
    } catch (...) {
        if (sidecar) {
            sidecar->terminate(k_stop_grace);
        }
        throw;
    }
    p.record.status = status::running;
    p.record.pid = child->pid();
    p.record.started_at = util::now_seconds();
    bottles().upsert(with_details(p));
    if (p.on_run) {
        p.on_run(p.record);
    }

    auto parser = p.provider->parser();
    const bool raw_transcript = p.manifest.provider != agent::ProviderKind::command;
    auto handle = [&](const std::vector<agent::AgentEvent>& events) {
        for (const auto& event : events) {
            if (!raw_transcript) {
                if (const auto* text = std::get_if<agent::TextEvent>(&event)) {
                    write_all(transcript.get(),
                              json{{"type", "output"}, {"text", text->text}}.dump() + "\n");
                } else if (const auto* session = std::get_if<agent::SessionEvent>(&event)) {
                    write_all(transcript.get(),
                              json{{"type", "session"}, {"id", session->id}}.dump() + "\n");
                }
            }
            if (const auto* session = std::get_if<agent::SessionEvent>(&event)) {
                if (p.record.provider_session != session->id) {
                    p.record.provider_session = session->id;
                    bottles().upsert(with_details(p));
                }
            }
            if (!json_output) {
                if (auto line = render_event(event)) {
                    m_console.err << *line << "\n";
                }
            }
        }
        m_console.err.flush();
    };

    const auto started = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (p.timeout) {
        deadline = started + *p.timeout;
    }
    std::optional<std::chrono::steady_clock::time_point> exit_deadline;
    bool timed_out = false;
    int interrupted_by = 0;
    int exit_code = -1;
    while (true) {
        const auto now = std::chrono::steady_clock::now();
        if (const auto status = child->try_wait()) {
            // Ended: read what is left in the pipe, unless a process it left behind keeps the
            // pipe open, in which case stop reading soon.
            if (child->stdout_fd() < 0 || (exit_deadline && now >= *exit_deadline)) {
                exit_code = *status;
                break;
            }
            if (!exit_deadline || *exit_deadline > now + k_drain_grace) {
                exit_deadline = now + k_drain_grace;
            }
        }
        if (deadline && now >= *deadline) {
            timed_out = true;
            exit_code = child->terminate(k_stop_grace);
            break;
        }
        if (exit_deadline && now >= *exit_deadline && !child->try_wait()) {
            exit_code = child->terminate(k_stop_grace);
            break;
        }
        // Rationale: the pidfd wakes the loop the moment the agent ends; without one (old
        // kernels) the loop looks every 100 ms.
        const bool ended = child->try_wait().has_value();
        if (ended && child->stdout_fd() < 0) {
            // It ended since the loop's first look and nothing is left to read: without this,
            // the poll below would wait out its whole timeout (a second) with nothing to wake it.
            continue;
        }
        pollfd fds[3] = {{signals.fd(), POLLIN, 0},
                         {ended ? -1 : child->exit_fd(), POLLIN, 0},
                         {child->stdout_fd(), POLLIN, 0}};
        const nfds_t count = child->stdout_fd() >= 0 ? 3 : 2;
        int wait_ms = child->exit_fd() >= 0 ? 1000 : 100;
        if (deadline) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now).count();
            wait_ms = static_cast<int>(std::clamp<long long>(left, 0, wait_ms));
        }
        if (exit_deadline) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(*exit_deadline - now).count();
            wait_ms = static_cast<int>(std::clamp<long long>(left, 0, wait_ms));
        }
        const int ready = ::poll(fds, count, wait_ms);
        if (ready < 0 && errno != EINTR) {
            throw Error(Errc::io,
                        std::string("cannot wait for the agent: ") + std::strerror(errno));
        }
        if (fds[0].revents != 0) {
            const int sig = signals.take();
            if (sig == SIGINT && p.interactive) {
                continue; // the agent, attached to the terminal, handles its own ^C
            }
            if (sig != 0) {
                interrupted_by = sig;
                exit_code = child->terminate(k_stop_grace);
                break;
            }
        }
        if (count == 3 && fds[2].revents != 0) {
            char buf[65536];
            const ssize_t n = ::read(child->stdout_fd(), buf, sizeof buf);
            if (n > 0) {
                const std::string_view chunk(buf, static_cast<std::size_t>(n));
                if (raw_transcript) {
                    write_all(transcript.get(), chunk);
                }
                if (json_output) {
                    m_console.err << chunk << std::flush;
                }
                handle(parser->feed(chunk));
                if (parser->complete() && p.manifest.provider == agent::ProviderKind::claude) {
                    // claude's run ends at its result event; whatever follows is not read.
                    child->close_stdout();
                    exit_deadline = std::chrono::steady_clock::now() + k_exit_grace;
                }
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                child->close_stdout();
                if (!exit_deadline) {
                    exit_deadline = std::chrono::steady_clock::now() + k_exit_grace;
                }
            }
        }
    }
    // No member of the agent's process group outlives the session.
    if (!p.interactive) {
        child->signal(SIGKILL);
    }
    handle(parser->finish());
    if (sidecar) {
        sidecar->terminate(k_stop_grace);
        p.details.erase("sidecar_pid");
    }

    if (p.backend == BackendKind::bwrap && exit_code != 0 && !timed_out && interrupted_by == 0) {
        // A cached probe that no longer holds: say so, as a start would have.
        if (const auto error = p.bwrap ? p.bwrap->recheck() : std::nullopt) {
            m_console.err << "forgebot: error: " << *error << "\n";
        }
    }

    if (workspace.kind == WorkspaceKind::reference_clone) {
        try {
            fetch_back(workspace, tip_at_start);
        } catch (const Error& e) {
            m_console.err << "forgebot: warning: cannot fetch " << workspace.branch << " back into "
                          << workspace.source.string() << ": " << e.what() << "\n";
        }
    }

    int result = exit_code;
    std::string final_status = status::exited;
    if (timed_out) {
        result = to_int(ExitCode::timed_out);
        final_status = status::timed_out;
    } else if (interrupted_by != 0) {
        result = to_int(ExitCode::interrupted);
        final_status = status::interrupted;
    } else if (!p.interactive && parser->failed()) {
        final_status = status::failed;
        if (exit_code == 0) {
            result = to_int(ExitCode::agent_failed);
        }
    } else if (exit_code != 0) {
        final_status = status::failed;
    }
    if (!p.interactive) {
        p.details["result"] = to_json(parser->summary(), !parser->failed());
    }
    if (parser->session_id()) {
        p.record.provider_session = *parser->session_id();
    }
    // A freeze or destroy from another process while the agent ran has the last word.
    if (const auto current = bottles().get(p.record.identity);
        current && (current->status == status::frozen || current->status == status::destroyed)) {
        final_status = current->status;
    }
    p.record.status = final_status;
    p.record.exit_code = result;
    p.record.pid.reset();
    p.record.ended_at = util::now_seconds();
    bottles().upsert(with_details(p));

    m_console.err << "session " << p.record.identity << " ended (exit " << result
                  << ", provider session " << p.record.provider_session.value_or("unknown")
                  << ", cost " << cost_text(p.details) << "); resume with: forgebot resume "
                  << p.record.identity << " --headless --prompt '...'\n";
    m_console.err.flush();
    if (json_output) {
        m_console.out << record_json(p.record).dump() << "\n" << std::flush;
    }
    return {p.record.identity, result};
}

void Sessions::stop_processes(const store::BottleRecord& record) {
    const auto details = parse_details(record);
    if (record.pid && util::process_alive(*record.pid)) {
        if (!util::signal_group(*record.pid, SIGTERM)) {
            ::kill(*record.pid, SIGTERM);
        }
        const auto deadline = std::chrono::steady_clock::now() + k_stop_grace;
        while (util::process_alive(*record.pid) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (!util::signal_group(*record.pid, SIGKILL)) {
            ::kill(*record.pid, SIGKILL);
        }
    }
    if (details.contains("sidecar_pid") && details["sidecar_pid"].is_number_integer()) {
        const auto pid = details["sidecar_pid"].get<pid_t>();
        util::signal_group(pid, SIGTERM);
    }
}

void Sessions::freeze(const std::string& identity) {
    auto record = get(identity);
    if (record.status == status::destroyed) {
        throw Error(Errc::usage, "bottle " + identity + " is destroyed");
    }
    record.status = status::frozen;
    bottles().upsert(record);
    stop_processes(record);
}

void Sessions::destroy(const std::string& identity) {
    auto record = get(identity);
    if (record.status == status::destroyed) {
        return;
    }
    auto details = parse_details(record);
    record.status = status::destroyed;
    bottles().upsert(record);
    stop_processes(record);
    const auto workspace = recorded_workspace(record, details);
    bool pushed = false;
    try {
        pushed = branch_pushed(workspace);
    } catch (const Error&) {
    }
    remove_workspace(workspace, pushed);
    const auto paths = bottle_paths(m_home, identity);
    std::error_code ec;
    for (const auto& dir : {paths.home, paths.sidecar_dir, paths.queue, paths.root / "push.git"}) {
        fs::remove_all(dir, ec);
    }
    details["branch_kept"] = pushed;
    record.details = details.dump();
    record.pid.reset();
    record.ended_at = record.ended_at.value_or(util::now_seconds());
    bottles().upsert(record);
}

} // namespace forgebot::bottle
