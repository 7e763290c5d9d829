// The bottles table: one row per run, written with single-statement upserts.
#include "store/bottle_store.hpp"

#include "store/sqlite_support.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace forgebot::store {

namespace {

/// The columns read_record expects, in order.
constexpr const char* k_select =
    "SELECT identity, agent, bottle_names, backend, workspace, branch, provider_session, status, "
    "pid, exit_code, created_at, started_at, ended_at, owner, repo, issue_number, details FROM "
    "bottles";

/// The current row of a k_select query.
BottleRecord read_record(const SQLite::Statement& query, const std::filesystem::path& file) {
    BottleRecord record;
    record.identity = query.getColumn(0).getString();
    const std::string row = "bottles row " + record.identity;
    record.agent = query.getColumn(1).getString();
    record.bottle_names = read_json_list(query.getColumn(2), row, file);
    record.backend = query.getColumn(3).getString();
    record.workspace = query.getColumn(4).getString();
    record.branch = query.getColumn(5).getString();
    record.provider_session = read_optional_text(query.getColumn(6));
    record.status = query.getColumn(7).getString();
    record.pid = read_optional_int(query.getColumn(8));
    record.exit_code = read_optional_int(query.getColumn(9));
    record.created_at = read_time(query.getColumn(10), row, file);
    record.started_at = read_optional_time(query.getColumn(11), row, file);
    record.ended_at = read_optional_time(query.getColumn(12), row, file);
    if (!query.getColumn(15).isNull()) {
        record.issue = IssueKey{query.getColumn(13).getString(), query.getColumn(14).getString(),
                                query.getColumn(15).getInt64()};
    }
    record.details = query.getColumn(16).getString();
    return record;
}

} // namespace

void BottleStore::upsert(const BottleRecord& record) {
    with_store_errors(
        [&] { return "save bottle " + record.identity + " in " + m_db.path().string(); },
        [&] {
            SQLite::Statement upsert(m_db.handle(), R"sql(
INSERT INTO bottles (identity, agent, bottle_names, backend, workspace, branch, provider_session,
                     status, pid, exit_code, created_at, started_at, ended_at, updated_at,
                     owner, repo, issue_number, details)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
ON CONFLICT (identity) DO UPDATE SET
    agent = excluded.agent,
    bottle_names = excluded.bottle_names,
    backend = excluded.backend,
    workspace = excluded.workspace,
    branch = excluded.branch,
    provider_session = excluded.provider_session,
    status = excluded.status,
    pid = excluded.pid,
    exit_code = excluded.exit_code,
    started_at = excluded.started_at,
    ended_at = excluded.ended_at,
    updated_at = excluded.updated_at,
    owner = excluded.owner,
    repo = excluded.repo,
    issue_number = excluded.issue_number,
    details = excluded.details
)sql");
            upsert.bind(1, record.identity);
            upsert.bind(2, record.agent);
            upsert.bind(3, to_json_list(record.bottle_names));
            upsert.bind(4, record.backend);
            upsert.bind(5, record.workspace.string());
            upsert.bind(6, record.branch);
            bind_optional(upsert, 7, record.provider_session);
            upsert.bind(8, record.status);
            bind_optional(upsert, 9, record.pid);
            bind_optional(upsert, 10, record.exit_code);
            upsert.bind(11, util::format_utc(record.created_at));
            bind_optional(upsert, 12, record.started_at);
            bind_optional(upsert, 13, record.ended_at);
            upsert.bind(14, util::format_utc(util::now_seconds()));
            if (record.issue) {
                upsert.bind(15, record.issue->owner);
                upsert.bind(16, record.issue->repo);
                upsert.bind(17, record.issue->issue_number);
            }
            upsert.bind(18, record.details);
            upsert.exec();
        });
}

std::optional<BottleRecord> BottleStore::get(std::string_view identity) {
    return with_store_errors(
        [&] { return "read bottle " + std::string(identity) + " in " + m_db.path().string(); },
        [&]() -> std::optional<BottleRecord> {
            SQLite::Statement query(m_db.handle(), std::string(k_select) + " WHERE identity = ?");
            query.bind(1, std::string(identity));
            if (!query.executeStep()) {
                return std::nullopt;
            }
            return read_record(query, m_db.path());
        });
}

std::vector<BottleRecord> BottleStore::all() {
    return with_store_errors([&] { return "list bottles in " + m_db.path().string(); },
                             [&] {
                                 // Rationale: created_at has one-second resolution; rowid breaks
                                 // ties by insertion.
                                 SQLite::Statement query(
                                     m_db.handle(), std::string(k_select) +
                                                        " ORDER BY created_at DESC, rowid DESC");
                                 std::vector<BottleRecord> records;
                                 while (query.executeStep()) {
                                     records.push_back(read_record(query, m_db.path()));
                                 }
                                 return records;
                             });
}

void BottleStore::remove(std::string_view identity) {
    with_store_errors(
        [&] { return "remove bottle " + std::string(identity) + " in " + m_db.path().string(); },
        [&] {
            SQLite::Statement remove(m_db.handle(), "DELETE FROM bottles WHERE identity = ?");
            remove.bind(1, std::string(identity));
            remove.exec();
        });
}

} // namespace forgebot::store
