// Durable record of every bottle run, keyed by the run's identity.
#pragma once

#include "store/database.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::store {

/// The forge issue a run works on.
struct IssueKey {
    std::string owner;
    std::string repo;
    std::int64_t issue_number = 0;

    bool operator==(const IssueKey&) const = default;
};

/// One run, as the bottles table holds it.
struct BottleRecord {
    std::string identity; ///< the run's identity, e.g. `claude-ab3de`
    std::string agent;
    std::vector<std::string> bottle_names; ///< order preserved
    std::string backend;
    std::filesystem::path workspace;
    std::string branch;
    std::optional<std::string> provider_session; ///< the agent provider's session id, once known
    std::string status; ///< lifecycle state; its names belong to the bottle lifecycle
    std::optional<int> pid;
    std::optional<int> exit_code;
    std::chrono::sys_seconds created_at{}; ///< written on insert, kept by later upserts
    std::optional<std::chrono::sys_seconds> started_at;
    std::optional<std::chrono::sys_seconds> ended_at;
    std::optional<IssueKey> issue; ///< set when the run works on a forge issue
    /// A JSON object the bottle layer owns (workspace kind, forge target, cost, last result);
    /// stored as given, never interpreted here.
    std::string details = "{}";

    bool operator==(const BottleRecord&) const = default;
};

/// CRUD over the bottles table. Every method is one statement, so concurrent writers in other
/// processes never lose each other's rows. Throws Error{Errc::io} on database failure and
/// Error{Errc::corrupt} for a row it cannot read. Not thread-safe, like its Database.
class BottleStore {
public:
    explicit BottleStore(Database& db) : m_db(db) {}

    /// Inserts the record, or replaces the one with the same identity in place (keeping its
    /// created_at).
    void upsert(const BottleRecord& record);

    /// The record with this identity, or std::nullopt.
    std::optional<BottleRecord> get(std::string_view identity);

    /// Every record, newest created_at first (later inserts first among equal times).
    std::vector<BottleRecord> all();

    /// Removes the record; removing a missing record succeeds.
    void remove(std::string_view identity);

private:
    Database& m_db;
};

} // namespace forgebot::store
