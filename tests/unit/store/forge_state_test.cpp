// Tests of the forge_state table: CRUD, ordering, nullable fields, corruption, concurrent writers.
#include "store/forge_state.hpp"
#include "unit/store/store_test_support.hpp"
#include "util/error.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

using forgebot::Errc;
using forgebot::Error;
using forgebot::store::Database;
using forgebot::store::ForgeState;
using forgebot::store::ForgeStateStore;
using forgebot::store::parse_run_status;
using forgebot::store::RunStatus;
using forgebot::testing::TempDir;

namespace {

/// A running issue with every field set.
ForgeState sample(std::string owner, std::string repo, std::int64_t issue_number) {
    ForgeState state;
    state.owner = std::move(owner);
    state.repo = std::move(repo);
    state.issue_number = issue_number;
    state.slug = "claude-ab3de";
    state.agent_name = "claude";
    state.bottle_names = {"dev", "net-github", "cache"};
    state.backend_name = "bwrap";
    state.agent_git_user = "forgebot-claude";
    state.pr_number = 42;
    state.status = RunStatus::running;
    state.last_checkin_at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} +
                            std::chrono::hours{9} + std::chrono::minutes{30};
    state.forge_name = "codeberg";
    state.issue_url = "https://codeberg.org/" + state.owner + "/" + state.repo + "/issues/" +
                      std::to_string(issue_number);
    state.pr_url = "https://codeberg.org/" + state.owner + "/" + state.repo + "/pulls/42";
    return state;
}

/// The number of rows in forge_state.
std::int64_t row_count(Database& db) {
    return db.handle().execAndGet("SELECT count(*) FROM forge_state").getInt64();
}

/// The Error that `body` throws; fails the test when it throws nothing.
template <typename Body> Error error_from(Body&& body) {
    try {
        body();
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected a forgebot::Error");
    return Error(Errc::failure, "unreachable");
}

/// Upserts 200 rows of its own plus the shared row 200 times; the process's exit status.
int write_concurrently(const std::filesystem::path& file, const std::string& who) {
    try {
        Database db(file);
        ForgeStateStore store(db);
        for (std::int64_t i = 1; i <= 200; ++i) {
            store.upsert(sample(who, "r", i));
            auto shared = sample("shared", "r", 1);
            shared.slug = who + "-" + std::to_string(i);
            store.upsert(shared);
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << who << " failed: " << e.what() << '\n';
        return 1;
    }
}

} // namespace

TEST_CASE("ForgeStateStore round-trips every field", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    ForgeStateStore store(db);
    const auto state = sample("ann", "widgets", 7);

    store.upsert(state);
    const auto read = store.get("ann", "widgets", 7);

    REQUIRE(read);
    CHECK(*read == state);
    CHECK(read->owner == "ann");
    CHECK(read->bottle_names == std::vector<std::string>{"dev", "net-github", "cache"});
    CHECK(read->last_checkin_at == state.last_checkin_at);
    CHECK(db.handle().execAndGet("SELECT last_checkin_at FROM forge_state").getString() ==
          "2026-11-21T09:30:00Z");
}

TEST_CASE("ForgeStateStore returns nothing for an untracked issue", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    ForgeStateStore store(db);
    store.upsert(sample("ann", "widgets", 7));

    CHECK_FALSE(store.get("ann", "widgets", 8));
    CHECK_FALSE(store.get("ann", "gadgets", 7));
    CHECK_FALSE(store.get("bob", "widgets", 7));
}

TEST_CASE("ForgeStateStore upsert replaces the row in place and keeps created_at", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    ForgeStateStore store(db);
    auto state = sample("ann", "widgets", 7);
    store.upsert(state);
    db.handle().exec("UPDATE forge_state SET created_at = '2000-01-01T00:00:00Z', "
                     "updated_at = '2000-01-01T00:00:00Z'");

    state.status = RunStatus::frozen;
    state.slug = "codex-99xyz";
    state.bottle_names = {"cache"};
    state.last_checkin_at.reset();
    store.upsert(state);

    CHECK(row_count(db) == 1);
    const auto read = store.get("ann", "widgets", 7);
    REQUIRE(read);
    CHECK(*read == state);
    CHECK(db.handle().execAndGet("SELECT created_at FROM forge_state").getString() ==
          "2000-01-01T00:00:00Z");
    CHECK(db.handle().execAndGet("SELECT updated_at FROM forge_state").getString() !=
          "2000-01-01T00:00:00Z");
}

TEST_CASE("ForgeStateStore remove deletes the row and succeeds when it is gone", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    ForgeStateStore store(db);
    store.upsert(sample("ann", "widgets", 7));
    store.upsert(sample("ann", "widgets", 8));

    store.remove("ann", "widgets", 7);
    CHECK_FALSE(store.get("ann", "widgets", 7));
    CHECK(store.get("ann", "widgets", 8));

    CHECK_NOTHROW(store.remove("ann", "widgets", 7));
    CHECK_NOTHROW(store.remove("nobody", "nothing", 1));
    CHECK(row_count(db) == 1);
}

TEST_CASE("ForgeStateStore lists every row sorted by owner, repo and issue number", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    ForgeStateStore store(db);
    store.upsert(sample("bob", "alpha", 3));
    store.upsert(sample("ann", "widgets", 10));
    store.upsert(sample("ann", "gadgets", 5));
    store.upsert(sample("ann", "widgets", 9));
    store.upsert(sample("ann", "widgets", 100));

    std::vector<std::string> keys;
    for (const auto& s : store.all()) {
        keys.push_back(s.owner + "/" + s.repo + "#" + std::to_string(s.issue_number));
    }

    CHECK(keys == std::vector<std::string>{"ann/gadgets#5", "ann/widgets#9", "ann/widgets#10",
                                           "ann/widgets#100", "bob/alpha#3"});
}

TEST_CASE("ForgeStateStore lists nothing in a fresh database", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");

    CHECK(ForgeStateStore(db).all().empty());
}

TEST_CASE("ForgeStateStore keeps bottle order, including an empty list", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    ForgeStateStore store(db);
    auto state = sample("ann", "widgets", 7);

    SECTION("out of alphabetical order") {
        state.bottle_names = {"zeta", "alpha", "mid", "alpha-2"};
    }
    SECTION("empty") {
        state.bottle_names.clear();
    }
    SECTION("names needing JSON escapes") {
        state.bottle_names = {"quote\"d", "back\\slash", "ünïcode"};
    }
    store.upsert(state);

    const auto read = store.get("ann", "widgets", 7);
    REQUIRE(read);
    CHECK(read->bottle_names == state.bottle_names);
}

TEST_CASE("ForgeStateStore sets and clears the PR number", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    ForgeStateStore store(db);
    auto state = sample("ann", "widgets", 7);
    state.pr_number.reset();
    store.upsert(state);
    REQUIRE(store.get("ann", "widgets", 7));
    CHECK_FALSE(store.get("ann", "widgets", 7)->pr_number);

    state.pr_number = 12;
    store.upsert(state);
    CHECK(store.get("ann", "widgets", 7)->pr_number == 12);

    state.pr_number.reset();
    store.upsert(state);
    CHECK_FALSE(store.get("ann", "widgets", 7)->pr_number);
    CHECK(db.handle().execAndGet("SELECT pr_number IS NULL FROM forge_state").getInt() == 1);
}

TEST_CASE("ForgeStateStore state persists across Database instances", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    const auto state = sample("ann", "widgets", 7);
    {
        Database db(file);
        ForgeStateStore(db).upsert(state);
    }

    Database db(file);
    const auto read = ForgeStateStore(db).get("ann", "widgets", 7);

    REQUIRE(read);
    CHECK(*read == state);
}

TEST_CASE("ForgeStateStore loses no rows to a writer in another process", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";

    // Rationale: both processes open the fresh file at once, so the migration race is covered.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::_exit(write_concurrently(file, "child"));
    }
    const int parent_status = write_concurrently(file, "parent");
    int child_status = 0;
    REQUIRE(::waitpid(child, &child_status, 0) == child);

    CHECK(parent_status == 0);
    REQUIRE(WIFEXITED(child_status));
    CHECK(WEXITSTATUS(child_status) == 0);
    Database db(file);
    ForgeStateStore store(db);
    const auto states = store.all();
    CHECK(states.size() == 401);
    for (const char* who : {"child", "parent"}) {
        for (std::int64_t i = 1; i <= 200; ++i) {
            if (!store.get(who, "r", i)) {
                FAIL_CHECK("missing " << who << "/r#" << i);
            }
        }
    }
    const auto shared = store.get("shared", "r", 1);
    REQUIRE(shared);
    CHECK((shared->slug == "child-200" || shared->slug == "parent-200"));
    CHECK(db.schema_version() == forgebot::store::latest_schema_version());
    CHECK(db.handle().execAndGet("SELECT count(*) FROM schema_version").getInt() ==
          forgebot::store::latest_schema_version());
}

TEST_CASE("ForgeStateStore reports an unreadable row as corrupt, naming it", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    Database db(file);
    ForgeStateStore store(db);
    store.upsert(sample("ann", "widgets", 7));
    std::string column;

    SECTION("unknown status") {
        db.handle().exec("PRAGMA ignore_check_constraints = ON");
        db.handle().exec("UPDATE forge_state SET status = 'paused'");
        column = "status";
    }
    SECTION("bottle_names not a JSON array of strings") {
        db.handle().exec("UPDATE forge_state SET bottle_names = '[\"dev\", 3]'");
        column = "bottle_names";
    }
    SECTION("bottle_names not JSON at all") {
        db.handle().exec("UPDATE forge_state SET bottle_names = 'dev,cache'");
        column = "bottle_names";
    }
    SECTION("last_checkin_at not a time") {
        db.handle().exec("UPDATE forge_state SET last_checkin_at = 'yesterday'");
        column = "last_checkin_at";
    }

    for (const auto& error :
         {error_from([&] { store.get("ann", "widgets", 7); }), error_from([&] { store.all(); })}) {
        CHECK(error.code() == Errc::corrupt);
        CHECK_THAT(error.what(), Catch::Contains("forge_state row ann/widgets#7") &&
                                     Catch::Contains(file.string()) && Catch::Contains(column));
    }
}

TEST_CASE("RunStatus names round-trip and unknown names are refused", "[store]") {
    for (const auto status : {RunStatus::running, RunStatus::frozen, RunStatus::destroyed}) {
        CHECK(parse_run_status(to_string(status)) == status);
    }
    CHECK(to_string(RunStatus::frozen) == "frozen");
    CHECK_FALSE(parse_run_status("Running"));
    CHECK_FALSE(parse_run_status(""));
}
