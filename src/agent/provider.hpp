// Providers: how each agent program is started and resumed, and how its output stream is read.
#pragma once

#include "agent/manifest.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace forgebot::agent {

/// Token counts a run reported; fields a provider does not report stay 0.
struct TokenUsage {
    std::int64_t input_tokens = 0;
    std::int64_t cached_input_tokens = 0;         ///< claude `cache_read_input_tokens`
    std::int64_t cache_creation_input_tokens = 0; ///< claude only
    std::int64_t output_tokens = 0;

    bool operator==(const TokenUsage&) const = default;
};

/// What a run reported about itself when it ended.
struct RunSummary {
    /// claude `result`; codex: the last agent message; command: its last line of output
    std::string result;
    std::optional<double> cost_usd;          ///< claude `total_cost_usd`
    std::optional<std::int64_t> num_turns;   ///< claude `num_turns`
    std::optional<std::int64_t> duration_ms; ///< claude `duration_ms`
    std::optional<TokenUsage> usage;         ///< claude result `usage`; codex `turn.completed`

    bool operator==(const RunSummary&) const = default;
};

/// The provider's session id became known (or changed).
struct SessionEvent {
    std::string id;
    bool operator==(const SessionEvent&) const = default;
};

/// Text from the agent: an assistant message, or with `reasoning` its thinking aloud (claude
/// `thinking` blocks, codex `reasoning` items); for provider command, one line of its stdout.
struct TextEvent {
    std::string text;
    bool reasoning = false;
    bool operator==(const TextEvent&) const = default;
};

/// The agent called a tool. `input` is a one-line summary (compact JSON of the arguments, or
/// the shell command), cut to a few hundred bytes.
struct ToolUseEvent {
    std::string id;
    std::string name; ///< claude: the tool (`Read`, `mcp__github__...`); codex: the item type
    std::string input;
    bool operator==(const ToolUseEvent&) const = default;
};

/// A tool returned. `output` is a summary, cut to a few hundred bytes.
struct ToolResultEvent {
    std::string tool_use_id;
    std::string output;
    bool is_error = false;
    bool operator==(const ToolResultEvent&) const = default;
};

/// The run ended and reported its outcome.
struct ResultEvent {
    bool success = true;
    RunSummary summary;
    bool operator==(const ResultEvent&) const = default;
};

/// The agent or provider reported an error (not necessarily the end of the run).
struct ErrorEvent {
    std::string message;
    bool operator==(const ErrorEvent&) const = default;
};

/// A well-formed line of a type this parser does not model, kept whole for the transcript.
struct UnknownEvent {
    std::string raw;
    bool operator==(const UnknownEvent&) const = default;
};

/// A line that is not what the provider should print (not a JSON object); the caller logs it
/// and parsing continues.
struct MalformedEvent {
    std::string raw;
    std::string reason;
    bool operator==(const MalformedEvent&) const = default;
};

/// One typed event from an agent's output stream.
using AgentEvent = std::variant<SessionEvent, TextEvent, ToolUseEvent, ToolResultEvent, ResultEvent,
                                ErrorEvent, UnknownEvent, MalformedEvent>;

/// The kind of an AgentEvent, in the variant's order.
enum class EventKind { session, text, tool_use, tool_result, result, error, unknown, malformed };

/// The kind of `event`.
EventKind kind_of(const AgentEvent& event) noexcept;

/// `"session"`, `"text"`, `"tool_use"`, ... for logs and JSON.
std::string_view event_kind_name(EventKind kind) noexcept;

/// Reads one run's stdout incrementally and turns it into events. The stream is split into
/// lines (`\n`, a trailing `\r` dropped, blank lines skipped) whatever the chunk sizes, so
/// feeding the same bytes in any chunking gives the same events. Never throws on bad input: a
/// malformed line becomes a MalformedEvent. Not thread-safe; one parser per run.
class StreamParser {
public:
    virtual ~StreamParser() = default;

    /// Consumes `chunk` (any size, any split); returns the events of the lines it completed.
    std::vector<AgentEvent> feed(std::string_view chunk);

    /// Ends the stream: parses a last line left without a newline and returns its events plus
    /// any the provider emits at end of stream. Call once, after the last feed().
    std::vector<AgentEvent> finish();

    /// The provider's session id, once seen (the latest when it changes).
    const std::optional<std::string>& session_id() const noexcept { return m_session_id; }

    /// Whether the run has ended by the provider's own account: claude after the `result`
    /// line (the caller stops reading there), codex after `turn.completed` or `turn.failed`
    /// (or at finish() after an `error`), command at finish().
    bool complete() const noexcept { return m_complete; }

    /// Whether the provider reported failure, even if its process exits 0. claude: a `result`
    /// with `is_error: true` or a `subtype` other than `success` (a result without a subtype
    /// counts as success). codex: `turn.failed`, or an `error` not followed by a
    /// `turn.completed`. Rationale: codex also reports retried stream errors (`Reconnecting...
    /// 1/5`) as `error` events and then completes the turn (openai/codex#32984), so an `error`
    /// alone does not end the run. command: never (its exit status decides).
    bool failed() const noexcept { return m_failed; }

    /// The summary so far: result text, cost, turns, duration and token usage.
    const RunSummary& summary() const noexcept { return m_summary; }

protected:
    /// Parses one non-blank line (without its newline), appending its events.
    virtual void parse_line(std::string_view line, std::vector<AgentEvent>& events) = 0;

    /// Called by finish() after the last line; appends end-of-stream events.
    virtual void end_of_stream(std::vector<AgentEvent>& events) { (void)events; }

    /// Records `id` as the session id, appending a SessionEvent when it is new or changed.
    void record_session(std::string_view id, std::vector<AgentEvent>& events);

    /// Marks the run complete, failed or not.
    void mark_complete(bool failed) noexcept;

    /// Sets failed() without completing the run.
    void set_failed(bool failed) noexcept { m_failed = failed; }

    /// The summary, for the provider to fill in.
    RunSummary& mutable_summary() noexcept { return m_summary; }

private:
    void take_line(std::vector<AgentEvent>& events);

    std::string m_buffer;
    std::optional<std::string> m_session_id;
    RunSummary m_summary;
    bool m_complete = false;
    bool m_failed = false;
    bool m_finished = false;
};

/// A stdio MCP server for the agent to start: a program and its arguments.
struct McpServer {
    std::string name; ///< the server's name in the agent (claude: `mcp__NAME__TOOL`)
    std::string command;
    std::vector<std::string> args;

    bool operator==(const McpServer&) const = default;
};

/// One run's inputs, from which a provider builds argv.
struct RunRequest {
    std::string prompt;                  ///< the full prompt, preamble included (compose_prompt)
    std::filesystem::path workspace;     ///< the agent's working directory
    std::optional<std::string> model;    ///< the manifest's model, or a caller's override
    std::vector<std::string> extra_args; ///< manifest `args`, then any the caller adds
    std::vector<std::string> allowed_tools;
    /// An MCP server configuration file for the agent (claude `--mcp-config`); codex has no
    /// such flag and ignores it.
    std::optional<std::filesystem::path> mcp_config;
    /// MCP servers for codex, which takes them as configuration overrides (`-c
    /// mcp_servers.NAME.command=...`); claude ignores them and reads `mcp_config` instead.
    std::vector<McpServer> mcp_servers;
    /// Attached to a terminal instead of headless: claude without `-p` and stream-json, codex
    /// without `exec --json`; an empty prompt is then left out (the agent waits for input).
    bool interactive = false;
    /// A session id chosen in advance for a new session (claude `--session-id=UUID`), so the
    /// session of an interactive run, whose output forgebot does not read, is known. Ignored
    /// on resume and by codex and command.
    std::optional<std::string> session_id;
};

/// One provider: its argv for starting and resuming a run, and a parser for its output.
/// Implementations are stateless and thread-safe.
class Provider {
public:
    virtual ~Provider() = default;

    /// Which provider this is.
    virtual ProviderKind kind() const noexcept = 0;

    /// The argv that starts a new session. The prompt is always passed so that it cannot be
    /// read as an option, whatever it starts with.
    virtual std::vector<std::string> start_argv(const RunRequest& request) const = 0;

    /// The argv that continues session `session_id` with `request.prompt`. The id cannot be
    /// read as an option either.
    virtual std::vector<std::string> resume_argv(const RunRequest& request,
                                                 std::string_view session_id) const = 0;

    /// A fresh parser for one run's stdout.
    virtual std::unique_ptr<StreamParser> parser() const = 0;
};

/// Claude Code in print mode:
/// `claude -p --output-format stream-json --verbose [--session-id=UUID] [--model M]
/// [--allowedTools T1,T2] [--mcp-config PATH] --permission-mode acceptEdits [ARGS...] -- PROMPT`;
/// resume has `--resume=SESSION` instead of `--session-id`. Interactive runs drop `-p
/// --output-format stream-json --verbose`. Rationale: `-p` is a boolean (`--print`) and the
/// prompt is the positional argument, so it goes last after `--`, which ends option parsing
/// and also stops a variadic option (`--allowedTools`, `--mcp-config`, or one in ARGS) from
/// swallowing it; the session id uses the `=` form, as the Agent SDK does, because `--resume`
/// takes an optional value and a separate dash-leading id would be read as a flag.
std::unique_ptr<Provider> make_claude_provider();

/// Codex CLI: `codex exec --json --sandbox workspace-write [--model M] [MCP...] [ARGS...] --
/// PROMPT`; resume: `codex exec --json --sandbox workspace-write [--model M] [MCP...] [ARGS...]
/// resume -- THREAD PROMPT`, where each MCP server is `-c mcp_servers.NAME.command="PROGRAM" -c
/// mcp_servers.NAME.args=["ARG",...] -c mcp_servers.NAME.tool_timeout_sec=300` (TOML values).
/// Interactive runs drop `exec --json`. Rationale: exec's flags go before `resume` and are given
/// again (only the conversation is kept across a resume, not the flags); `--` makes a dash-leading
/// prompt or id positional. A prompt of exactly `-` makes codex read the prompt from stdin. Allowed
/// tools have no codex flag and are ignored.
std::unique_ptr<Provider> make_codex_provider();

/// Any program: argv is `command` with `{prompt}`, `{session}` and `{workspace}` expanded
/// inside each argument (never through a shell). Resume uses `resume_command`; without one,
/// resume starts a new session: `command` with the new prompt. Model, extra args, allowed
/// tools and MCP servers are not used. The parser makes each stdout line a TextEvent, except
/// `FORGEBOT_SESSION=ID`, which records the session id; the run is complete at finish() and
/// never failed. `command` must not be empty.
std::unique_ptr<Provider> make_command_provider(std::vector<std::string> command,
                                                std::vector<std::string> resume_command);

/// The provider `manifest` names, configured from it.
std::unique_ptr<Provider> make_provider(const AgentManifest& manifest);

/// A request for `manifest` with `prompt` (its preamble prepended) in `workspace`: the
/// manifest's model, args as extra_args, allowed tools, and no MCP configuration.
RunRequest make_request(const AgentManifest& manifest, std::string_view prompt,
                        const std::filesystem::path& workspace);

} // namespace forgebot::agent
