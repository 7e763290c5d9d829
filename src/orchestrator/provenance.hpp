// A run's record as JSON: its forge state, its bottle, and the sidecar's semantic operation
// log; what `orchestrate status`, `provenance` and the HTTP API show.
#pragma once

#include "store/database.hpp"
#include "store/forge_state.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace forgebot::orchestrator {

/// One tracked issue as JSON (`orchestrate status --json` prints an array of these).
nlohmann::json state_json(const store::ForgeState& state);

/// The provenance of run `slug`: agent, bottles, slug, forge target, times, exit code,
/// provider session, cost, flags (`watchdog_fired` and the others, each also a boolean), and
/// the sidecar's operation log. std::nullopt when neither a tracked issue nor a bottle has
/// that identity.
std::optional<nlohmann::json> provenance(store::Database& db, const std::string& slug);

} // namespace forgebot::orchestrator
