// The forge_state table: one row per tracked issue, written with single-statement upserts.
#include "store/forge_state.hpp"

#include "store/sqlite_support.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace forgebot::store {

namespace {

/// The columns read_state expects, in order.
constexpr const char* k_select =
    "SELECT owner, repo, issue_number, slug, agent_name, "
    "bottle_names, backend_name, agent_git_user, pr_number, status, "
    "last_checkin_at, forge_name, issue_url, pr_url, flags, last_comment_id "
    "FROM forge_state";

/// `owner/repo#number`, the way users name an issue.
std::string issue_label(std::string_view owner, std::string_view repo, std::int64_t number) {
    return std::string(owner) + "/" + std::string(repo) + "#" + std::to_string(number);
}

/// The current row of a k_select query.
ForgeState read_state(const SQLite::Statement& query, const std::filesystem::path& file) {
    ForgeState state;
    state.owner = query.getColumn(0).getString();
    state.repo = query.getColumn(1).getString();
    state.issue_number = query.getColumn(2).getInt64();
    const std::string row =
        "forge_state row " + issue_label(state.owner, state.repo, state.issue_number);
    state.slug = query.getColumn(3).getString();
    state.agent_name = query.getColumn(4).getString();
    state.bottle_names = read_json_list(query.getColumn(5), row, file);
    state.backend_name = query.getColumn(6).getString();
    state.agent_git_user = query.getColumn(7).getString();
    state.pr_number = read_optional_int64(query.getColumn(8));
    const std::string status = query.getColumn(9).getString();
    const auto parsed = parse_run_status(status);
    if (!parsed) {
        throw_corrupt_row(row, "status", status, file);
    }
    state.status = *parsed;
    state.last_checkin_at = read_optional_time(query.getColumn(10), row, file);
    state.forge_name = query.getColumn(11).getString();
    state.issue_url = query.getColumn(12).getString();
    state.pr_url = query.getColumn(13).getString();
    state.flags = read_json_list(query.getColumn(14), row, file);
    state.last_comment_id = read_optional_int64(query.getColumn(15));
    return state;
}

} // namespace

std::string_view to_string(RunStatus status) noexcept {
    switch (status) {
    case RunStatus::running:
        return "running";
    case RunStatus::frozen:
        return "frozen";
    case RunStatus::destroyed:
        return "destroyed";
    }
    return "running";
}

std::optional<RunStatus> parse_run_status(std::string_view text) noexcept {
    for (const auto status : {RunStatus::running, RunStatus::frozen, RunStatus::destroyed}) {
        if (text == to_string(status)) {
            return status;
        }
    }
    return std::nullopt;
}

void ForgeStateStore::upsert(const ForgeState& state) {
    with_store_errors(
        [&] {
            return "save forge state for " +
                   issue_label(state.owner, state.repo, state.issue_number) + " in " +
                   m_db.path().string();
        },
        [&] {
            SQLite::Statement upsert(m_db.handle(), R"sql(
INSERT INTO forge_state (owner, repo, issue_number, slug, agent_name, bottle_names, backend_name,
                         agent_git_user, pr_number, status, last_checkin_at, forge_name,
                         issue_url, pr_url, created_at, updated_at, flags, last_comment_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16, ?17)
ON CONFLICT (owner, repo, issue_number) DO UPDATE SET
    slug = excluded.slug,
    agent_name = excluded.agent_name,
    bottle_names = excluded.bottle_names,
    backend_name = excluded.backend_name,
    agent_git_user = excluded.agent_git_user,
    pr_number = excluded.pr_number,
    status = excluded.status,
    last_checkin_at = excluded.last_checkin_at,
    forge_name = excluded.forge_name,
    issue_url = excluded.issue_url,
    pr_url = excluded.pr_url,
    updated_at = excluded.updated_at,
    flags = excluded.flags,
    last_comment_id = excluded.last_comment_id
)sql");
            upsert.bind(1, state.owner);
            upsert.bind(2, state.repo);
            upsert.bind(3, state.issue_number);
            upsert.bind(4, state.slug);
            upsert.bind(5, state.agent_name);
            upsert.bind(6, to_json_list(state.bottle_names));
            upsert.bind(7, state.backend_name);
            upsert.bind(8, state.agent_git_user);
            bind_optional(upsert, 9, state.pr_number);
            upsert.bind(10, std::string(to_string(state.status)));
            bind_optional(upsert, 11, state.last_checkin_at);
            upsert.bind(12, state.forge_name);
            upsert.bind(13, state.issue_url);
            upsert.bind(14, state.pr_url);
            upsert.bind(15, util::format_utc(util::now_seconds()));
            upsert.bind(16, to_json_list(state.flags));
            bind_optional(upsert, 17, state.last_comment_id);
            upsert.exec();
        });
}

std::optional<ForgeState> ForgeStateStore::get(std::string_view owner, std::string_view repo,
                                               std::int64_t issue_number) {
    return with_store_errors(
        [&] {
            return "read forge state for " + issue_label(owner, repo, issue_number) + " in " +
                   m_db.path().string();
        },
        [&]() -> std::optional<ForgeState> {
            SQLite::Statement query(m_db.handle(), std::string(k_select) +
                                                       " WHERE owner = ? AND repo = ? AND "
                                                       "issue_number = ?");
            query.bind(1, std::string(owner));
            query.bind(2, std::string(repo));
            query.bind(3, issue_number);
            if (!query.executeStep()) {
                return std::nullopt;
            }
            return read_state(query, m_db.path());
        });
}

void ForgeStateStore::remove(std::string_view owner, std::string_view repo,
                             std::int64_t issue_number) {
    with_store_errors(
        [&] {
            return "remove forge state for " + issue_label(owner, repo, issue_number) + " in " +
                   m_db.path().string();
        },
        [&] {
            SQLite::Statement remove(
                m_db.handle(),
                "DELETE FROM forge_state WHERE owner = ? AND repo = ? AND issue_number = ?");
            remove.bind(1, std::string(owner));
            remove.bind(2, std::string(repo));
            remove.bind(3, issue_number);
            remove.exec();
        });
}

std::vector<ForgeState> ForgeStateStore::all() {
    return with_store_errors([&] { return "list forge state in " + m_db.path().string(); },
                             [&] {
                                 SQLite::Statement query(m_db.handle(),
                                                         std::string(k_select) +
                                                             " ORDER BY owner, repo, issue_number");
                                 std::vector<ForgeState> states;
                                 while (query.executeStep()) {
                                     states.push_back(read_state(query, m_db.path()));
                                 }
                                 return states;
                             });
}

} // namespace forgebot::store
