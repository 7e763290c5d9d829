// The SQLite database under FORGEBOT_HOME: opening, pragmas, embedded numbered migrations.
#pragma once

#include <filesystem>
#include <memory>

namespace SQLite {
class Database;
}

namespace forgebot::store {

/// The newest schema version this binary knows.
int latest_schema_version() noexcept;

/// An open forgebot database with every migration applied.
///
/// Opening creates missing parent directories (mode 0700), turns on WAL, foreign keys and a
/// busy timeout (5 s), checks that the file is a forgebot database, and applies pending migrations
/// in one transaction each. Throws Error{Errc::corrupt} for a file that is not SQLite or not
/// forgebot's (or from a newer forgebot), Error{Errc::io} when the file or its directory cannot be
/// created or written. Nothing is written to a file that fails these checks.
/// Several processes may open the same fresh file at once: each migration runs in a
/// `BEGIN IMMEDIATE` transaction that re-reads the version under the lock, so exactly one of them
/// applies it. The file is created 0600; `PRAGMA application_id` marks it as forgebot's.
/// Not thread-safe: use one Database per thread; several processes may share the file.
class Database {
public:
    explicit Database(const std::filesystem::path& file);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;

    /// The schema version recorded in the file. Throws Error{Errc::io} on database failure.
    int schema_version() const;

    /// The file this database lives in.
    const std::filesystem::path& path() const noexcept { return m_path; }

    /// Sets how far, in pages, the write-ahead log may grow (by any connection's commits) after
    /// this connection's last checkpoint before its next commit checkpoints it into the
    /// database file: 1000 unless set; 0: never. A checkpoint syncs the log and the file, and
    /// the commit that runs one waits for it; once the log holds ten times that many pages, it
    /// also waits for the other connections to let the log start over.
    void set_autocheckpoint(int pages) noexcept;

    /// The SQLiteCpp handle, for the stores in this folder.
    SQLite::Database& handle() noexcept { return *m_db; }

    /// When this connection checkpoints (database.cpp); named here so that the SQLite hook
    /// there can take it.
    struct Checkpoints;

private:
    std::filesystem::path m_path;
    std::unique_ptr<Checkpoints> m_checkpoints; ///< before m_db: the connection's hook uses it
    std::unique_ptr<SQLite::Database> m_db;
};

} // namespace forgebot::store
