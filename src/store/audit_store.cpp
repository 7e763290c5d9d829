// The audit table: appends and reads in insertion order.
#include "store/audit_store.hpp"

#include "store/sqlite_support.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace forgebot::store {

namespace {

/// The columns read_entry expects, in order.
constexpr const char* k_select =
    "SELECT id, at, identity, operation, target, outcome, detail FROM audit";

/// The current row of a k_select query.
AuditEntry read_entry(const SQLite::Statement& query, const std::filesystem::path& file) {
    const std::string row = "audit row " + std::to_string(query.getColumn(0).getInt64());
    AuditEntry entry;
    entry.at = read_time(query.getColumn(1), row, file);
    entry.identity = query.getColumn(2).getString();
    entry.operation = query.getColumn(3).getString();
    entry.target = read_optional_int64(query.getColumn(4));
    const std::string outcome = query.getColumn(5).getString();
    const auto parsed = parse_audit_outcome(outcome);
    if (!parsed) {
        throw_corrupt_row(row, "outcome", outcome, file);
    }
    entry.outcome = *parsed;
    entry.detail = query.getColumn(6).getString();
    return entry;
}

/// Every row of a k_select query.
std::vector<AuditEntry> read_entries(SQLite::Statement& query, const std::filesystem::path& file) {
    std::vector<AuditEntry> entries;
    while (query.executeStep()) {
        entries.push_back(read_entry(query, file));
    }
    return entries;
}

} // namespace

std::string_view to_string(AuditOutcome outcome) noexcept {
    switch (outcome) {
    case AuditOutcome::ok:
        return "ok";
    case AuditOutcome::denied:
        return "denied";
    case AuditOutcome::error:
        return "error";
    }
    return "error";
}

std::optional<AuditOutcome> parse_audit_outcome(std::string_view text) noexcept {
    for (const auto outcome : {AuditOutcome::ok, AuditOutcome::denied, AuditOutcome::error}) {
        if (text == to_string(outcome)) {
            return outcome;
        }
    }
    return std::nullopt;
}

std::int64_t AuditStore::append(const AuditEntry& entry) {
    return with_store_errors(
        [&] {
            return "append to the audit log of " + entry.identity + " in " + m_db.path().string();
        },
        [&] {
            SQLite::Statement insert(m_db.handle(),
                                     "INSERT INTO audit (at, identity, operation, target, outcome, "
                                     "detail) VALUES (?, ?, ?, ?, ?, ?)");
            insert.bind(1, util::format_utc(entry.at));
            insert.bind(2, entry.identity);
            insert.bind(3, entry.operation);
            bind_optional(insert, 4, entry.target);
            insert.bind(5, std::string(to_string(entry.outcome)));
            insert.bind(6, entry.detail);
            insert.exec();
            return m_db.handle().getLastInsertRowid();
        });
}

std::vector<AuditEntry> AuditStore::for_identity(std::string_view identity) {
    return with_store_errors(
        [&] {
            return "read the audit log of " + std::string(identity) + " in " + m_db.path().string();
        },
        [&] {
            SQLite::Statement query(m_db.handle(),
                                    std::string(k_select) + " WHERE identity = ? ORDER BY id");
            query.bind(1, std::string(identity));
            return read_entries(query, m_db.path());
        });
}

std::vector<AuditEntry> AuditStore::all() {
    return with_store_errors([&] { return "read the audit log in " + m_db.path().string(); },
                             [&] {
                                 SQLite::Statement query(m_db.handle(),
                                                         std::string(k_select) + " ORDER BY id");
                                 return read_entries(query, m_db.path());
                             });
}

} // namespace forgebot::store
