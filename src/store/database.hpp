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
/// busy timeout, checks that the file is a forgebot database, and applies pending migrations in
/// one transaction each. Throws Error{Errc::corrupt} for a file that is not SQLite or not
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

    /// The SQLiteCpp handle, for the stores in this folder.
    SQLite::Database& handle() noexcept { return *m_db; }

private:
    std::filesystem::path m_path;
    std::unique_ptr<SQLite::Database> m_db;
};

} // namespace forgebot::store
