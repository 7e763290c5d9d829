// A bottle's lifecycle: start and resume a session (headless or attached to a terminal),
// freeze, destroy, and the records `list` and `show` read.
#pragma once

#include "bottle/identity.hpp"
#include "bottle/profile.hpp"
#include "bottle/workspace.hpp"
#include "forge/client.hpp"
#include "store/bottle_store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::bottle {

/// A bottle's lifecycle states, as the store and `list` show them.
namespace status {
inline constexpr const char* creating = "creating";       ///< workspace being made
inline constexpr const char* running = "running";         ///< the agent runs
inline constexpr const char* exited = "exited";           ///< the agent ended; resumable
inline constexpr const char* failed = "failed";           ///< ended with a failure; resumable
inline constexpr const char* timed_out = "timed_out";     ///< stopped by its timeout
inline constexpr const char* interrupted = "interrupted"; ///< stopped by a signal to forgebot
inline constexpr const char* frozen = "frozen";           ///< stopped by freeze; resumable
inline constexpr const char* destroyed = "destroyed";     ///< workspace removed; final
} // namespace status

/// How to reach one configured forge: what `--forge NAME` resolves to.
struct ForgeConnection {
    std::string name; ///< the configured forge name
    forge::ForgeKind kind = forge::ForgeKind::gitea;
    std::string api_url;
    std::string token; ///< handed to the sidecar by pipe and to the clone; nowhere else
};

/// Resolves a configured forge name to its connection (the token read from its token file).
/// Throws Error{Errc::not_found} for an unknown name.
using ForgeResolver = std::function<ForgeConnection(const std::string& name)>;

/// The forge issue a run works on (`--forge NAME --owner O --repo R --issue N [--pr N]`).
struct ForgeRun {
    std::string forge; ///< a configured forge name
    std::string owner;
    std::string repo;
    std::int64_t issue = 0;
    std::vector<std::int64_t> prs;
    std::optional<std::string> base; ///< branch to start from; default: the repository's
};

/// Where output goes and what a session may ask; real streams in the binary, strings in tests.
struct Console {
    std::ostream& out; ///< results (dry-run plan, --json record)
    std::ostream& err; ///< diagnostics, rendered events, the closing line
    std::istream& in;  ///< the `Proceed? [y/N]` answer
};

/// `forgebot start`.
struct StartOptions {
    std::string agent;
    bool headless = false;
    std::string prompt;                        ///< required with headless
    std::optional<std::filesystem::path> repo; ///< default: the current directory
    std::string base = "HEAD";
    bool copy = false;                  ///< copy `repo` (not a git repository) instead
    std::vector<std::string> bottles;   ///< profiles; default: the agent's
    std::optional<BackendKind> backend; ///< overrides the profiles
    std::optional<std::string> label;
    std::optional<std::chrono::seconds> timeout; ///< overrides the agent's
    bool dry_run = false;
    bool json = false;
    std::optional<ForgeRun> forge;
    /// Called once the bottle exists and its agent is about to start (the record says running).
    std::function<void(const store::BottleRecord&)> on_run;
};

/// `forgebot resume`.
struct ResumeOptions {
    std::string identity;
    bool headless = false;
    std::string prompt;
    std::optional<BackendKind> backend; ///< must match the bottle's workspace when given
    std::optional<std::chrono::seconds> timeout;
    bool dry_run = false;
    bool json = false;
    /// Called once the agent is about to start again (the record says running).
    std::function<void(const store::BottleRecord&)> on_run;
};

/// What a finished session reports.
struct SessionOutcome {
    std::string identity;
    int exit_code = 0; ///< the command's exit status (the agent's, or 4, 124, 130)
};

/// Runs bottles: creates them, runs their agent, records them in `bottles`. One per command.
class Sessions {
public:
    /// `home` is the state directory (bottles live in HOME/bottles); `resolve` looks up forges.
    /// `bottles` may be null only for a dry run of start, which records nothing.
    Sessions(store::BottleStore* bottles, std::filesystem::path home, ForgeResolver resolve,
             Console console);

    /// Makes a bottle and runs the agent in it (see forgebot-start(1)). Returns the exit
    /// status. Throws Error for anything that stops it before the agent runs (usage, unknown
    /// agent, not a repository, forge unreachable); nothing half-made is left recorded as
    /// running.
    SessionOutcome start(const StartOptions& options);

    /// Runs a stopped bottle again, continuing its provider session (see forgebot-resume(1)).
    SessionOutcome resume(const ResumeOptions& options);

    /// Stops a bottle's agent and sidecar and marks it frozen; everything else stays. A bottle
    /// that is not running is just marked frozen. Throws Error{Errc::not_found} for an unknown
    /// identity, Error{Errc::usage} for a destroyed one.
    void freeze(const std::string& identity);

    /// Stops the bottle, removes its workspace (and its branch unless pushed) and sidecar
    /// state, keeps its transcript and logs, and marks it destroyed.
    void destroy(const std::string& identity);

    /// The record of `identity`; throws Error{Errc::not_found} (with a suggestion).
    store::BottleRecord get(const std::string& identity);

private:
    struct Prepared;
    store::BottleStore& bottles();
    void prepare_launch(Prepared& prepared, const Workspace& workspace);
    void print_plan(const Prepared& prepared, const Workspace& workspace);
    bool confirm();
    store::BottleRecord with_details(Prepared& prepared);
    void discard(Prepared& prepared, const Workspace& workspace);
    SessionOutcome run(Prepared& prepared, bool json_output);
    void stop_processes(const store::BottleRecord& record);

    store::BottleStore* m_bottles;
    std::filesystem::path m_home;
    ForgeResolver m_resolve;
    Console m_console;
};

/// A record as JSON: the columns plus the details the bottle layer keeps.
nlohmann::json record_json(const store::BottleRecord& record);

/// Whether the record says running and its agent's process still exists.
bool is_running(const store::BottleRecord& record);

/// The text added to a forge run's prompt: which issue it works on, how to reach the sidecar
/// (the `forgebot` MCP server's tools with `mcp_tools`, else `forgebot call`), to push with
/// push_branch and open a PR, and to call signal_done.
std::string forge_overlay(const ForgeRun& run, std::string_view branch, bool mcp_tools);

} // namespace forgebot::bottle
