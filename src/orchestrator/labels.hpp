// Forge access for the orchestrator: connections to configured forges, the labels that target
// an issue (`forgebot:AGENT`, `forgebot-bottle:NAME`) and the labels forgebot sets.
#pragma once

#include "bottle/session.hpp"
#include "forge/forge.hpp"
#include "orchestrator/config.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::orchestrator {

/// The label forgebot puts on an issue while its agent runs.
inline constexpr std::string_view k_in_progress_label = "forgebot:in-progress";
/// The label forgebot adds when the agent signals `needs_human`.
inline constexpr std::string_view k_needs_human_label = "forgebot:needs-human";

/// What an issue's labels ask for.
struct Target {
    std::string agent;                 ///< from `forgebot:AGENT`
    std::optional<std::string> bottle; ///< from `forgebot-bottle:NAME`
};

/// The agent and bottle the labels name: the first `forgebot:AGENT` whose AGENT is not one of
/// forgebot's own status labels (in-progress, needs-human) and is a valid agent name, and the
/// first valid `forgebot-bottle:NAME`. std::nullopt when no label names an agent.
std::optional<Target> target_from_labels(const std::vector<std::string>& labels);

/// The connection to configured forge `name`, its token read from its token_file. Throws
/// Error{Errc::not_found} for an unknown forge, Error{Errc::invalid_input} when it has no
/// token_file, and what util::read_secret_file throws.
bottle::ForgeConnection forge_connection(const Config& config, const std::string& name);

/// A forge client for `owner/repo` on `connection`.
std::unique_ptr<forge::Forge> open_forge(const bottle::ForgeConnection& connection,
                                         const std::string& owner, const std::string& repo);

/// Adds (`on`) or removes the in-progress label on issue `number`, with the configuration
/// file's forge `forge`. Failures are logged as warnings, never thrown: the label is a signal
/// to people, not state.
void set_in_progress(const std::string& forge, const std::string& owner, const std::string& repo,
                     std::int64_t number, bool on);

} // namespace forgebot::orchestrator
