// Opening the forgebot database: ownership checks, pragmas and the embedded numbered migrations.
#include "store/database.hpp"

#include "store/home.hpp"
#include "store/sqlite_support.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sqlite3.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace forgebot::store {

/// When the connection checkpoints the write-ahead log (see after_commit).
struct Database::Checkpoints {
    int pages = 1000;    ///< how far the log grows between checkpoints; 0: never checkpoint
    int log_at_last = 0; ///< pages in the log at this connection's last checkpoint
};

namespace {

/// `PRAGMA application_id` of every forgebot database: "FBOT" in ASCII.
constexpr std::int32_t k_application_id = 0x46424F54;

/// How long a statement waits for another process's lock before failing.
constexpr int k_busy_timeout_ms = 5000;

/// The pause between attempts to switch the journal mode while another process holds a lock.
constexpr std::chrono::milliseconds k_journal_retry_pause{5};

/// How wait_for_lock paces its attempts: short pauses for the first attempts, then longer ones.
constexpr std::chrono::microseconds k_lock_short_pause{50};
constexpr int k_lock_short_attempts = 200;
constexpr std::chrono::milliseconds k_lock_long_pause{2};

/// How many times a connection's checkpoint interval the log may hold before its checkpoint
/// makes the log start over (see after_commit).
constexpr int k_restart_factor = 10;

/// One schema change, applied once in its own transaction.
struct Migration {
    int version;
    const char* sql;
};

/// Every migration, in order. Append new ones; never edit one that has shipped.
constexpr std::array k_migrations{
    Migration{1, R"sql(
CREATE TABLE schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
);

CREATE TABLE forge_state (
    owner           TEXT NOT NULL,
    repo            TEXT NOT NULL,
    issue_number    INTEGER NOT NULL,
    slug            TEXT NOT NULL,
    agent_name      TEXT NOT NULL,
    bottle_names    TEXT NOT NULL DEFAULT '[]',
    backend_name    TEXT NOT NULL,
    agent_git_user  TEXT NOT NULL,
    pr_number       INTEGER,
    status          TEXT NOT NULL CHECK (status IN ('running', 'frozen', 'destroyed')),
    last_checkin_at TEXT,
    forge_name      TEXT NOT NULL,
    issue_url       TEXT NOT NULL DEFAULT '',
    pr_url          TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (owner, repo, issue_number)
);

CREATE TABLE bottles (
    identity         TEXT NOT NULL PRIMARY KEY,
    agent            TEXT NOT NULL,
    bottle_names     TEXT NOT NULL DEFAULT '[]',
    backend          TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    branch           TEXT NOT NULL,
    provider_session TEXT,
    status           TEXT NOT NULL,
    pid              INTEGER,
    exit_code        INTEGER,
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    ended_at         TEXT,
    updated_at       TEXT NOT NULL,
    owner            TEXT,
    repo             TEXT,
    issue_number     INTEGER,
    CHECK ((owner IS NULL) = (repo IS NULL) AND (repo IS NULL) = (issue_number IS NULL))
);
CREATE INDEX bottles_by_issue ON bottles (owner, repo, issue_number);
CREATE INDEX bottles_by_created ON bottles (created_at);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    identity  TEXT NOT NULL,
    operation TEXT NOT NULL,
    target    INTEGER,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_identity ON audit (identity, id);
CREATE TRIGGER audit_refuses_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
CREATE TRIGGER audit_refuses_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
)sql"},
    // Rationale: what the bottle layer keeps about a run beyond the indexed columns (workspace
    // kind and source, forge target, cost, the last result) changes with it, so it is one JSON
    // object the store keeps but does not interpret.
    Migration{2, R"sql(
ALTER TABLE bottles ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
)sql"},
    // The orchestrator: run flags and the last comment seen at a freeze; the webhook inbox
    // (written before the 2xx answer, processed after); ids of processed done events; issues
    // waiting for a free slot.
    Migration{3, R"sql(
ALTER TABLE forge_state ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE forge_state ADD COLUMN last_comment_id INTEGER;

CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    forge        TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    headers      TEXT NOT NULL,
    body         BLOB NOT NULL,
    received_at  TEXT NOT NULL,
    processed_at TEXT,
    outcome      TEXT,
    UNIQUE (forge, delivery_id)
);
CREATE INDEX inbox_pending ON inbox (processed_at, id);

CREATE TABLE done_events (
    event_id     TEXT NOT NULL PRIMARY KEY,
    identity     TEXT NOT NULL,
    processed_at TEXT NOT NULL
);

CREATE TABLE dispatch_queue (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    forge        TEXT NOT NULL,
    owner        TEXT NOT NULL,
    repo         TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    agent        TEXT NOT NULL,
    bottle       TEXT,
    enqueued_at  TEXT NOT NULL,
    UNIQUE (forge, owner, repo, issue_number)
);
)sql"},
};

/// Whether k_migrations holds versions 1, 2, 3, ... in order, as migrate() indexes it.
constexpr bool versions_are_consecutive() {
    for (std::size_t i = 0; i < k_migrations.size(); ++i) {
        if (k_migrations[i].version != static_cast<int>(i) + 1) {
            return false;
        }
    }
    return true;
}
static_assert(versions_are_consecutive(), "migration versions must be 1, 2, 3, ...");

/// Creates the database file with mode 0600 unless it exists.
/// Rationale: SQLite would create it 0644, and gives its -wal and -shm files the main file's mode.
void create_private_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    if (errno != EEXIST) {
        throw Error(Errc::io,
                    "cannot create database " + file.string() + ": " + std::strerror(errno));
    }
}

/// Throws Error{Errc::corrupt} unless `db` is empty or a forgebot database whose schema this
/// binary knows; returns the recorded schema version (0 for an empty database). Reads only.
int check_ownership(SQLite::Database& db, const std::filesystem::path& file) {
    const int application_id = db.execAndGet("PRAGMA application_id").getInt();
    if (application_id != k_application_id) {
        const auto objects = db.execAndGet("SELECT count(*) FROM sqlite_master").getInt64();
        if (application_id != 0 || objects != 0) {
            throw Error(Errc::corrupt, file.string() + " is not a forgebot database");
        }
        return 0;
    }
    if (!db.tableExists("schema_version")) {
        return 0;
    }
    const int version =
        db.execAndGet("SELECT coalesce(max(version), 0) FROM schema_version").getInt();
    if (version > latest_schema_version()) {
        throw Error(Errc::corrupt, file.string() + " was written by a newer forgebot (schema " +
                                       std::to_string(version) + ", this binary knows " +
                                       std::to_string(latest_schema_version()) +
                                       "); upgrade forgebot");
    }
    return version;
}

/// Checks ownership through a read-only connection and returns the schema version.
/// Rationale: a read-only connection can neither roll back a stranger's hot journal nor
/// checkpoint its WAL on close, so a file that fails the check is left byte-for-byte alone.
/// The checks share one read transaction so that a migration committed by another process
/// between them cannot make a half-migrated file appear.
int inspect(const std::filesystem::path& file) {
    try {
        SQLite::Database reader(file.c_str(), SQLite::OPEN_READONLY, k_busy_timeout_ms);
        SQLite::Transaction snapshot(reader);
        return check_ownership(reader, file);
    } catch (const SQLite::Exception& e) {
        if ((e.getErrorCode() & 0xff) == SQLITE_NOTADB) {
            throw Error(Errc::corrupt,
                        file.string() + " is not a forgebot database (" + e.what() + ")");
        }
        throw_store_error(e, "open database " + file.string());
    }
}

/// Switches `db` to write-ahead logging.
/// Rationale: SQLite answers a journal-mode change with SQLITE_BUSY at once, without calling the
/// busy handler, while another process holds a lock on the file (as when two processes open a
/// fresh database together), so this retries until the busy timeout has passed.
void enable_wal(SQLite::Database& db) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(k_busy_timeout_ms);
    for (;;) {
        try {
            db.execAndGet("PRAGMA journal_mode = WAL");
            return;
        } catch (const SQLite::Exception& e) {
            if ((e.getErrorCode() & 0xff) != SQLITE_BUSY ||
                std::chrono::steady_clock::now() >= deadline) {
                throw;
            }
        }
        std::this_thread::sleep_for(k_journal_retry_pause);
    }
}

/// SQLite's busy handler for the connection: waits for another connection's lock, up to
/// k_busy_timeout_ms in all (then the statement fails with SQLITE_BUSY).
/// Rationale: SQLite's own timeout handler sleeps 1, 2, 5, 10, 15, 20 ms and longer between
/// attempts. A write transaction here commits without a sync and holds the lock for tens of
/// microseconds, and the orchestrator's webhook front and its loop write through two connections
/// of one process, so those sleeps kept requests waiting far longer than the lock was held (with
/// it, the webhook benchmark's p99 was 10-41 ms; with this one, 3-12 ms). Short pauses first
/// (10 ms in all), then longer ones, for a lock held across a checkpoint or by a slow process.
int wait_for_lock(void*, int attempts) {
    std::chrono::microseconds waited =
        k_lock_short_pause * std::min(attempts, k_lock_short_attempts);
    if (attempts >= k_lock_short_attempts) {
        waited += k_lock_long_pause * (attempts - k_lock_short_attempts);
    }
    if (waited >= std::chrono::milliseconds(k_busy_timeout_ms)) {
        return 0;
    }
    std::this_thread::sleep_for(attempts < k_lock_short_attempts
                                    ? k_lock_short_pause
                                    : std::chrono::microseconds(k_lock_long_pause));
    return 1;
}

/// SQLite's WAL hook for the connection: runs after each commit, with the pages the log holds.
/// Once the log has grown by `Checkpoints::pages` pages (whoever wrote them) since this
/// connection's last checkpoint, checkpoints it: passively (copying what it can, waiting for no
/// one), or, when the log holds k_restart_factor times that, so that it starts over (waiting,
/// through the busy handler, for the writer and the readers of the log).
/// Rationale: SQLite's own hook (wal_autocheckpoint) checkpoints at every commit while the log
/// holds 1,000 pages or more, with two syncs each time; the log starts over only after a
/// checkpoint that copied all of it with no one reading it, which hardly happens while the
/// orchestrator's front and loop both write, so it checkpointed at nearly every commit (the loop
/// synced 500 times in 3 s under 2,000-3,000 deliveries a second). Checkpointing only passively
/// every 1,000 pages, the log never started over and grew by 100 MB a second under that load.
int after_commit(void* context, sqlite3* db, const char* name, int log_pages) {
    auto& checkpoints = *static_cast<Database::Checkpoints*>(context);
    if (log_pages < checkpoints.log_at_last) {
        checkpoints.log_at_last = 0; // the log started over
    }
    if (checkpoints.pages > 0 && log_pages - checkpoints.log_at_last >= checkpoints.pages) {
        const int mode = log_pages / k_restart_factor >= checkpoints.pages
                             ? SQLITE_CHECKPOINT_RESTART
                             : SQLITE_CHECKPOINT_PASSIVE;
        int log = 0;
        int copied = 0;
        // A failure (SQLITE_BUSY: another checkpoint runs, or the wait was too long) is left for
        // the next commit.
        if (sqlite3_wal_checkpoint_v2(db, name, mode, &log, &copied) == SQLITE_OK) {
            checkpoints.log_at_last = log;
        }
    }
    return SQLITE_OK;
}

/// Applies every migration newer than `version`, each in its own write transaction.
void migrate(SQLite::Database& db, const std::filesystem::path& file, int version) {
    while (version < latest_schema_version()) {
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        // Rationale: another process may have migrated between our read and our write lock;
        // re-reading under the lock makes exactly one of them apply each migration.
        version = check_ownership(db, file);
        if (version >= latest_schema_version()) {
            return;
        }
        const Migration& next = k_migrations[static_cast<std::size_t>(version)];
        db.exec(next.sql);
        SQLite::Statement record(db,
                                 "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)");
        record.bind(1, next.version);
        record.bind(2, util::format_utc(util::now_seconds()));
        record.exec();
        db.exec("PRAGMA application_id = " + std::to_string(k_application_id));
        transaction.commit();
        version = next.version;
    }
}

} // namespace

int latest_schema_version() noexcept {
    return k_migrations.back().version;
}

Database::Database(const std::filesystem::path& file)
    : m_path(file), m_checkpoints(std::make_unique<Checkpoints>()) {
    if (m_path.has_parent_path()) {
        ensure_private_dir(m_path.parent_path());
    }
    create_private_file(m_path);
    const int version = inspect(m_path);
    with_store_errors([&] { return "open database " + m_path.string(); },
                      [&] {
                          m_db = std::make_unique<SQLite::Database>(m_path.c_str(),
                                                                    SQLite::OPEN_READWRITE);
                          sqlite3_busy_handler(m_db->getHandle(), wait_for_lock, nullptr);
                          sqlite3_wal_hook(m_db->getHandle(), after_commit, m_checkpoints.get());
                          enable_wal(*m_db);
                          m_db->exec("PRAGMA synchronous = NORMAL");
                          m_db->exec("PRAGMA foreign_keys = ON");
                          migrate(*m_db, m_path, version);
                      });
}

void Database::set_autocheckpoint(int pages) noexcept {
    m_checkpoints->pages = pages;
}

Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

int Database::schema_version() const {
    return with_store_errors(
        [&] { return "read the schema version of " + m_path.string(); },
        [&] { return m_db->execAndGet("SELECT max(version) FROM schema_version").getInt(); });
}

} // namespace forgebot::store
