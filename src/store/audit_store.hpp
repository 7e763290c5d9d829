// The append-only audit log: what each run's identity asked for and what came of it.
#pragma once

#include "store/database.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forgebot::store {

/// What came of an audited operation.
enum class AuditOutcome { ok, denied, error };

/// `"ok"`, `"denied"` or `"error"`.
std::string_view to_string(AuditOutcome outcome) noexcept;

/// Parses an outcome name; std::nullopt for anything else.
std::optional<AuditOutcome> parse_audit_outcome(std::string_view text) noexcept;

/// One audited operation.
struct AuditEntry {
    std::chrono::sys_seconds at{};
    std::string identity;               ///< the run that asked, e.g. `claude-ab3de`
    std::string operation;              ///< what it asked for, e.g. `comment`
    std::optional<std::int64_t> target; ///< the issue or PR number it named, if any
    AuditOutcome outcome = AuditOutcome::ok;
    std::string detail; ///< free text for people, never a secret

    bool operator==(const AuditEntry&) const = default;
};

/// Appends to and reads the audit table, which refuses UPDATE and DELETE (triggers in the
/// schema). Throws Error{Errc::io} on database failure and Error{Errc::corrupt} for a row it
/// cannot read. Not thread-safe, like its Database; any number of processes may append.
class AuditStore {
public:
    explicit AuditStore(Database& db) : m_db(db) {}

    /// Appends the entry and returns its id; ids grow with every append and are never reused.
    std::int64_t append(const AuditEntry& entry);

    /// The entries of one identity, in the order they were appended.
    std::vector<AuditEntry> for_identity(std::string_view identity);

    /// Every entry, in the order they were appended.
    std::vector<AuditEntry> all();

private:
    Database& m_db;
};

} // namespace forgebot::store
