// Durable state of every forge issue the orchestrator tracks, keyed (owner, repo, issue_number).
#pragma once

#include "store/database.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::store {

/// Lifecycle of a tracked issue's run.
enum class RunStatus { running, frozen, destroyed };

/// `"running"`, `"frozen"` or `"destroyed"`.
std::string_view to_string(RunStatus status) noexcept;

/// Parses a status name; std::nullopt for anything else.
std::optional<RunStatus> parse_run_status(std::string_view text) noexcept;

/// One tracked issue.
struct ForgeState {
    std::string owner;
    std::string repo;
    std::int64_t issue_number = 0;
    std::string slug; ///< the run's identity, e.g. `claude-ab3de`
    std::string agent_name;
    std::vector<std::string> bottle_names; ///< order preserved
    std::string backend_name;
    std::string agent_git_user;
    std::optional<std::int64_t> pr_number;
    RunStatus status = RunStatus::running;
    std::optional<std::chrono::sys_seconds> last_checkin_at;
    std::string forge_name; ///< the configured forge this issue lives on
    std::string issue_url;  ///< web URL of the issue, empty when unknown
    std::string pr_url;     ///< web URL of the PR, empty when unknown
    /// What happened to the run worth flagging: `watchdog_fired`, `sidecar_died`,
    /// `exited_without_signal`, `needs_human`, ... (order kept, no duplicates by convention).
    std::vector<std::string> flags;
    /// The highest comment id on the issue and its PR when the run was last frozen; comments
    /// above it are new to the agent.
    std::optional<std::int64_t> last_comment_id;

    bool operator==(const ForgeState&) const = default;
};

/// CRUD over the forge_state table. Every method is one statement or one transaction, so
/// concurrent writers in other processes never lose each other's rows.
/// Throws Error{Errc::io} or Error{Errc::corrupt} on database failure.
class ForgeStateStore {
public:
    explicit ForgeStateStore(Database& db) : m_db(db) {}

    /// Inserts the row, or replaces the row with the same key in place.
    void upsert(const ForgeState& state);

    /// The row for the key, or std::nullopt.
    std::optional<ForgeState> get(std::string_view owner, std::string_view repo,
                                  std::int64_t issue_number);

    /// Removes the row; removing a missing row succeeds.
    void remove(std::string_view owner, std::string_view repo, std::int64_t issue_number);

    /// Every row, sorted by owner, repo, issue number.
    std::vector<ForgeState> all();

private:
    Database& m_db;
};

} // namespace forgebot::store
