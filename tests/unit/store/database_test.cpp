// Tests of opening the database: directories, permissions, pragmas, migrations, foreign files.
#include "store/database.hpp"
#include "unit/store/store_test_support.hpp"
#include "util/error.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <sys/stat.h>
#include <thread>

using forgebot::Errc;
using forgebot::Error;
using forgebot::store::Database;
using forgebot::store::latest_schema_version;
using forgebot::testing::read_bytes;
using forgebot::testing::TempDir;
using forgebot::testing::write_bytes;

namespace {

/// The Error that opening `file` throws, or std::nullopt when it opens.
std::optional<Error> open_error(const std::filesystem::path& file) {
    try {
        Database db(file);
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

/// The permission bits of `path`.
unsigned mode_of(const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 0777U;
}

/// Restores the process umask on destruction.
class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask) : m_old(::umask(mask)) {}
    ~ScopedUmask() { ::umask(m_old); }
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

private:
    mode_t m_old;
};

/// The names of the files in `dir`, sorted.
std::vector<std::string> listing(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

TEST_CASE("Database creates missing parent directories 0700 and the file 0600", "[store]") {
    TempDir tmp;
    ScopedUmask umask(022);
    const auto home = tmp.path() / "a" / "b";
    const auto file = home / "forgebot.db";

    Database db(file);

    CHECK(db.path() == file);
    CHECK(mode_of(tmp.path() / "a") == 0700U);
    CHECK(mode_of(home) == 0700U);
    CHECK(mode_of(file) == 0600U);
    CHECK(mode_of(home / "forgebot.db-wal") == 0600U);
}

TEST_CASE("Database applies every migration once and reopening changes nothing", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    {
        Database db(file);
        CHECK(db.schema_version() == latest_schema_version());
    }
    const auto before = read_bytes(file);

    Database db(file);

    CHECK(db.schema_version() == latest_schema_version());
    SQLite::Statement versions(db.handle(), "SELECT version FROM schema_version ORDER BY version");
    int expected = 1;
    while (versions.executeStep()) {
        CHECK(versions.getColumn(0).getInt() == expected);
        ++expected;
    }
    CHECK(expected == latest_schema_version() + 1);
    // Rationale: the id is pinned here because changing it would disown every existing database.
    CHECK(db.handle().execAndGet("PRAGMA application_id").getInt() == 0x46424F54);
    CHECK(read_bytes(file) == before);
}

TEST_CASE("Database turns on WAL and foreign keys", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");

    CHECK(db.handle().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db.handle().execAndGet("PRAGMA foreign_keys").getInt() == 1);
    CHECK(db.handle().execAndGet("PRAGMA synchronous").getInt() == 1);
}

TEST_CASE("Database waits for another connection's write lock instead of failing", "[store]") {
    TempDir tmp;
    Database holder(tmp.path() / "forgebot.db");
    Database writer(tmp.path() / "forgebot.db");
    holder.handle().exec("BEGIN IMMEDIATE");
    std::thread release([&holder] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        holder.handle().exec("COMMIT");
    });
    const auto start = std::chrono::steady_clock::now();

    CHECK_NOTHROW(writer.handle().exec("CREATE TABLE waited (x)"));
    release.join();
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(250));
}

TEST_CASE("Database refuses a file of random bytes as corrupt and leaves it alone", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    std::mt19937 random(42);
    std::string bytes(4096, '\0');
    for (auto& byte : bytes) {
        byte = static_cast<char>(random() & 0xffU);
    }
    write_bytes(file, bytes);

    const auto error = open_error(file);

    REQUIRE(error);
    CHECK(error->code() == Errc::corrupt);
    CHECK(std::string(error->what()) ==
          file.string() + " is not a forgebot database (file is not a database)");
    CHECK(read_bytes(file) == bytes);
    CHECK(listing(tmp.path()) == std::vector<std::string>{"forgebot.db"});
}

TEST_CASE("Database refuses another program's SQLite database and leaves it alone", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    {
        SQLite::Database other(file.c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    }
    const auto before = read_bytes(file);

    const auto error = open_error(file);

    REQUIRE(error);
    CHECK(error->code() == Errc::corrupt);
    CHECK(std::string(error->what()) == file.string() + " is not a forgebot database");
    CHECK(read_bytes(file) == before);
    CHECK(listing(tmp.path()) == std::vector<std::string>{"forgebot.db"});
}

TEST_CASE("Database refuses a database written by a newer forgebot", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    const int newer = latest_schema_version() + 1;
    {
        Database db(file);
        SQLite::Statement insert(db.handle(), "INSERT INTO schema_version VALUES (?, "
                                              "'2030-01-01T00:00:00Z')");
        insert.bind(1, newer);
        insert.exec();
    }
    const auto before = read_bytes(file);

    const auto error = open_error(file);

    REQUIRE(error);
    CHECK(error->code() == Errc::corrupt);
    CHECK_THAT(error->what(),
               Catch::Contains(file.string() + " was written by a newer forgebot (schema " +
                               std::to_string(newer) + ", this binary knows " +
                               std::to_string(latest_schema_version()) + ")"));
    CHECK(read_bytes(file) == before);
}

TEST_CASE("Database reports an unwritable location as an io error naming it", "[store]") {
    TempDir tmp;
    const auto blocker = tmp.path() / "blocker";
    write_bytes(blocker, "a regular file where a directory should be\n");

    SECTION("home below a regular file") {
        const auto home = blocker / "home";
        const auto error = open_error(home / "forgebot.db");

        REQUIRE(error);
        CHECK(error->code() == Errc::io);
        CHECK_THAT(error->what(), Catch::Contains(home.string()));
    }
    SECTION("database file directly inside a regular file") {
        const auto error = open_error(blocker / "forgebot.db");

        REQUIRE(error);
        CHECK(error->code() == Errc::io);
        CHECK_THAT(error->what(), Catch::Contains(blocker.string()));
    }
    SECTION("database path is a directory") {
        const auto file = tmp.path() / "forgebot.db";
        std::filesystem::create_directory(file);
        const auto error = open_error(file);

        REQUIRE(error);
        CHECK(error->code() == Errc::io);
        CHECK_THAT(error->what(), Catch::Contains(file.string()));
    }
}

TEST_CASE("Database adopts an existing empty file", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    write_bytes(file, "");

    Database db(file);

    CHECK(db.schema_version() == latest_schema_version());
}
