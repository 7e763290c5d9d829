// Agent events as one readable line each, for headless stderr and `forgebot logs`.
#pragma once

#include "agent/provider.hpp"

#include <optional>
#include <string>

namespace forgebot::bottle {

/// One line (no newline) for `event`, or std::nullopt for events not worth showing (unknown
/// event types). Long texts are cut; multi-line text keeps its lines, indented.
std::optional<std::string> render_event(const agent::AgentEvent& event);

/// `usd` as people read a run's cost: `"$0.0123"`.
std::string format_cost(double usd);

/// `"$0.0123"`-style cost, `"3 turns"`, `"12.3 s"` joined, from a summary; empty when it has
/// none of them.
std::string describe_summary(const agent::RunSummary& summary);

} // namespace forgebot::bottle
