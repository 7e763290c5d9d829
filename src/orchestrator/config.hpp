// The orchestrator's configuration file: the forges it talks to, the repositories it may work
// on, and its safety limits (kill switch, concurrency, watchdog).
#pragma once

#include "forge/client.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::orchestrator {

/// One forge, as a `[[forges]]` table declares it.
struct ForgeEntry {
    std::string name; ///< `[a-z0-9][a-z0-9_-]*`, unique in the file
    forge::ForgeKind kind = forge::ForgeKind::gitea;
    std::string api_url; ///< http(s), no credentials, no trailing `/`
    /// Absolute (a relative path in the file is resolved against the file's directory). Read
    /// with util::read_secret_file when used; it need not exist when the file is parsed.
    std::optional<std::filesystem::path> token_file;
    std::optional<std::filesystem::path> webhook_secret_file; ///< resolved as token_file
};

/// The whole configuration; a default-constructed Config is what a missing file means.
struct Config {
    std::string org = "forgebot";                ///< the bot's organization on the forges
    std::vector<std::string> allowlist;          ///< `"owner/name"` repositories; empty: none
    bool kill_switch = true;                     ///< on: start no new work
    int max_concurrent = 2;                      ///< agents running at once, positive
    std::chrono::seconds watchdog_timeout{1800}; ///< a run silent this long is stopped
    std::string listen = "127.0.0.1:8765";       ///< `ADDR:PORT` (`[V6ADDR]:PORT`) for webhooks
    std::vector<ForgeEntry> forges;              ///< in file order
    std::optional<std::filesystem::path> file;   ///< where it was read; std::nullopt: defaults

    /// Whether no file was read and every value is a default.
    bool from_defaults() const noexcept { return !file.has_value(); }
};

/// `config_home()/forgebot/config.toml`. Throws Error{Errc::io} when neither XDG_CONFIG_HOME
/// nor HOME is set.
std::filesystem::path default_config_path();

/// Parses and validates the TOML text of the configuration read from `file` (named in messages
/// and the base of relative secret file paths; recorded in Config::file).
///
/// Top-level keys: `org` (string), `allowlist` (array of `"owner/name"`), `kill_switch`
/// (boolean), `max_concurrent` (positive integer), `watchdog_timeout` (`"30m"`, or an integer of
/// seconds), `listen` (`"ADDR:PORT"`, port 1-65535), and `[[forges]]` tables with `name`
/// (required, unique), `kind` (required: gitea, forgejo or github), `api_url` (required,
/// http(s)), `token_file` and `webhook_secret_file`. Absent keys keep Config's defaults.
///
/// Throws Error{Errc::invalid_input} naming the file, the line and the key, e.g.
/// `/x/config.toml:4: key 'max_concurrent': expected a positive integer, got -1`; unknown keys
/// are errors too.
Config parse_config(std::string_view toml_text, const std::filesystem::path& file);

/// Reads and parses `file`, or $FORGEBOT_CONFIG when set (as an explicit file; `orchestrate
/// serve --config` sets it for the runs it starts), else default_config_path(). A missing
/// default file is not an error: it yields a default Config (kill switch on, no forges). Throws
/// Error{Errc::not_found} when an explicit `file` does not exist, Error{Errc::io} when the file
/// cannot be read or the default path cannot be located, and what parse_config throws.
Config load_config(const std::optional<std::filesystem::path>& file = std::nullopt);

/// The forge named `name`. Throws Error{Errc::not_found} listing the configured forges (with a
/// "did you mean"), or, when there are none, saying so and which file to add them to.
const ForgeEntry& find_forge(const Config& config, std::string_view name);

/// Whether `owner/repo` is in config.allowlist, comparing without regard to case as the forges
/// do. Does not consult kill_switch.
bool repo_allowed(const Config& config, std::string_view owner, std::string_view repo);

} // namespace forgebot::orchestrator
