// Assembling a run's provenance from the forge state, the bottle record and the audit table.
#include "orchestrator/provenance.hpp"

#include "bottle/session.hpp"
#include "store/audit_store.hpp"
#include "store/bottle_store.hpp"
#include "util/time.hpp"

namespace forgebot::orchestrator {

using nlohmann::json;

nlohmann::json state_json(const store::ForgeState& s) {
    nlohmann::json j = {
        {"owner", s.owner},
        {"repo", s.repo},
        {"issue", s.issue_number},
        {"agent", s.agent_name},
        {"slug", s.slug},
        {"status", store::to_string(s.status)},
        {"bottles", s.bottle_names},
        {"backend", s.backend_name},
        {"agent_git_user", s.agent_git_user},
        {"forge", s.forge_name},
        {"pr", nullptr},
        {"last_checkin_at", nullptr},
        {"issue_url", s.issue_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.issue_url)},
        {"pr_url", s.pr_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.pr_url)},
    };
    if (s.pr_number) {
        j["pr"] = *s.pr_number;
    }
    if (s.last_checkin_at) {
        j["last_checkin_at"] = util::format_utc(*s.last_checkin_at);
    }
    j["flags"] = s.flags;
    return j;
}

std::optional<json> provenance(store::Database& db, const std::string& slug) {
    std::optional<store::ForgeState> state;
    for (auto& s : store::ForgeStateStore(db).all()) {
        if (s.slug == slug) {
            state = std::move(s);
        }
    }
    const auto record = store::BottleStore(db).get(slug);
    if (!state && !record) {
        return std::nullopt;
    }
    json out{{"slug", slug}};
    if (state) {
        out["forge"] = {{"name", state->forge_name},
                        {"owner", state->owner},
                        {"repo", state->repo},
                        {"issue", state->issue_number},
                        {"pr", state->pr_number ? json(*state->pr_number) : json(nullptr)}};
        out["state"] = store::to_string(state->status);
        out["flags"] = state->flags;
        for (const char* flag :
             {"watchdog_fired", "sidecar_died", "exited_without_signal", "needs_human"}) {
            out[flag] =
                std::find(state->flags.begin(), state->flags.end(), flag) != state->flags.end();
        }
        out["last_checkin_at"] =
            state->last_checkin_at ? json(util::format_utc(*state->last_checkin_at)) : json();
    }
    if (record) {
        const auto bottle = bottle::record_json(*record);
        for (const char* key :
             {"agent", "bottles", "backend", "branch", "workspace", "provider_session", "status",
              "exit_code", "created_at", "started_at", "ended_at", "provider"}) {
            if (bottle.contains(key)) {
                out[key] = bottle[key];
            }
        }
        out["cost_usd"] = nullptr;
        if (bottle.contains("result") && bottle["result"].is_object()) {
            out["result"] = bottle["result"];
            if (bottle["result"].contains("cost_usd")) {
                out["cost_usd"] = bottle["result"]["cost_usd"];
            }
        }
    }
    json operations = json::array();
    for (const auto& entry : store::AuditStore(db).for_identity(slug)) {
        operations.push_back({{"at", util::format_utc(entry.at)},
                              {"operation", entry.operation},
                              {"target", entry.target ? json(*entry.target) : json(nullptr)},
                              {"outcome", store::to_string(entry.outcome)},
                              {"detail", entry.detail}});
    }
    out["operations"] = std::move(operations);
    return out;
}

} // namespace forgebot::orchestrator
