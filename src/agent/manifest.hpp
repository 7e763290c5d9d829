// Agent manifests: which provider runs an agent and how, from the built-ins or user TOML files.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::agent {

/// The program family an agent runs, which decides its argv and how its output is parsed.
enum class ProviderKind { claude, codex, command };

/// `"claude"`, `"codex"` or `"command"`.
std::string_view provider_name(ProviderKind kind) noexcept;

/// The provider named `name` (exact, lowercase); std::nullopt for any other text.
std::optional<ProviderKind> parse_provider(std::string_view name) noexcept;

/// One agent: a provider plus the settings every run of it shares.
struct AgentManifest {
    std::string name;                              ///< `[a-z0-9][a-z0-9_-]*`
    ProviderKind provider = ProviderKind::command; ///< which program family runs it
    std::optional<std::string> model;              ///< claude/codex `--model`
    std::vector<std::string> args;                 ///< extra provider flags (claude/codex)
    std::vector<std::string> allowed_tools;        ///< claude `--allowedTools`
    std::string preamble;                          ///< prepended to every prompt
    std::string bottle = "default";                ///< the bottle profile to run in
    std::optional<std::chrono::seconds> timeout;   ///< none: no limit
    std::vector<std::string> env;                  ///< host variables passed through
    std::vector<std::string> command;              ///< argv template (provider command)
    std::vector<std::string> resume_command;       ///< argv template, may be empty
    std::optional<std::filesystem::path> file;     ///< where it was read; none: built-in
};

/// An agent that load_manifest can load, as list_manifests reports it.
struct ManifestEntry {
    std::string name;
    std::optional<std::filesystem::path> file; ///< the user manifest; std::nullopt: built-in
    bool overrides_builtin = false;            ///< a user manifest named like a built-in
};

/// Whether `name` is usable as an agent or bottle name: `[a-z0-9][a-z0-9_-]*`.
bool is_valid_name(std::string_view name) noexcept;

/// `config_home()/forgebot/agents`, where user manifests live. Does not create it. Throws
/// Error{Errc::io} when neither XDG_CONFIG_HOME nor HOME is set.
std::filesystem::path agents_dir();

/// The built-in manifests, `claude` and `codex`, sorted by name.
///
/// Both run in the `default` bottle with no model, arguments, preamble or timeout. claude
/// passes through `ANTHROPIC_API_KEY` and `CLAUDE_CODE_OAUTH_TOKEN`; codex `OPENAI_API_KEY` and
/// `CODEX_API_KEY`. Rationale: the agent's HOME is the bottle's own home, so only credentials
/// that travel in the environment reach it, and the provider's session store (`~/.claude`,
/// `~/.codex`) lives in the bottle, which is what resume needs; `CODEX_HOME` is deliberately not
/// passed, as it would point codex back at the host's session store and credentials.
std::vector<AgentManifest> builtin_manifests();

/// Parses and validates the TOML text of the manifest named `name`, read from `file` (used in
/// messages and as the base of a relative `preamble = "file:PATH"`, which is read now).
///
/// Keys: `provider` (required), `model`, `args`, `allowed_tools`, `preamble`, `bottle`,
/// `timeout` (`"30m"`, `"1h30m"`, or an integer of seconds; positive), `env`, `command`,
/// `resume_command`. `command` is required for, and only allowed with, provider `command`,
/// must contain `{prompt}` and must not contain `{session}`; `resume_command` must contain
/// `{prompt}`; `model`, `args` and `allowed_tools` are refused with provider `command`. An
/// unknown `{word}` placeholder is refused as a likely typo.
///
/// Throws Error{Errc::invalid_input} naming the file, the line and the key, e.g.
/// `/home/ann/.config/forgebot/agents/foo.toml:3: key 'timeout': expected a duration like
/// "30m", got "soon"`; unknown keys are errors too.
AgentManifest parse_manifest(std::string_view toml_text, std::string_view name,
                             const std::filesystem::path& file);

/// Reads and parses the manifest in `file`; its name is the file's stem. Throws
/// Error{Errc::not_found} when the file is absent, Error{Errc::io} when it cannot be read, and
/// what parse_manifest throws.
AgentManifest load_manifest_file(const std::filesystem::path& file);

/// The agent `name`: `dir/NAME.toml` when it exists (overriding a built-in of that name), else
/// the built-in. Throws Error{Errc::invalid_input} for an invalid name or a bad manifest and
/// Error{Errc::not_found}, listing what exists, when there is no such agent.
AgentManifest load_manifest(std::string_view name, const std::filesystem::path& dir);

/// `load_manifest(name, agents_dir())`.
AgentManifest load_manifest(std::string_view name);

/// Every agent load_manifest can find, sorted by name: the built-ins and each `dir/NAME.toml`
/// whose NAME is valid (other files are skipped). Files are not parsed, so a broken manifest is
/// listed and fails only when loaded. A missing `dir` lists only the built-ins.
std::vector<ManifestEntry> list_manifests(const std::filesystem::path& dir);

/// `list_manifests(agents_dir())`.
std::vector<ManifestEntry> list_manifests();

/// The prompt an agent receives: the manifest's preamble, a blank line, then `prompt`; just
/// `prompt` when there is no preamble.
std::string compose_prompt(const AgentManifest& manifest, std::string_view prompt);

} // namespace forgebot::agent
