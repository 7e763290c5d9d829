// Tests of the bottles table: CRUD, optional fields, newest-first listing, corruption.
#include "store/bottle_store.hpp"
#include "unit/store/store_test_support.hpp"
#include "util/error.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

using forgebot::Errc;
using forgebot::Error;
using forgebot::store::BottleRecord;
using forgebot::store::BottleStore;
using forgebot::store::Database;
using forgebot::store::IssueKey;
using forgebot::testing::TempDir;

namespace {

/// 2026-11-21 at `hour`:00 UTC.
std::chrono::sys_seconds at_hour(int hour) {
    return std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + std::chrono::hours{hour};
}

/// A finished run with every field set.
BottleRecord sample(std::string identity, int created_hour = 9) {
    BottleRecord record;
    record.identity = std::move(identity);
    record.agent = "claude";
    record.bottle_names = {"dev", "net-github"};
    record.backend = "bwrap";
    record.workspace = "/var/lib/forgebot/workspaces/" + record.identity;
    record.branch = "forgebot/" + record.identity;
    record.provider_session = "sess-0123";
    record.status = "exited";
    record.pid = 4242;
    record.exit_code = 3;
    record.created_at = at_hour(created_hour);
    record.started_at = at_hour(created_hour) + std::chrono::seconds{5};
    record.ended_at = at_hour(created_hour) + std::chrono::minutes{20};
    record.issue = IssueKey{"ann", "widgets", 7};
    return record;
}

} // namespace

TEST_CASE("BottleStore round-trips every field", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    BottleStore store(db);
    const auto record = sample("claude-ab3de");

    store.upsert(record);
    const auto read = store.get("claude-ab3de");

    REQUIRE(read);
    CHECK(*read == record);
    CHECK(read->issue == IssueKey{"ann", "widgets", 7});
    CHECK(read->exit_code == 3);
}

TEST_CASE("BottleStore round-trips a run with every optional field empty", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    BottleStore store(db);
    auto record = sample("codex-00001");
    record.bottle_names.clear();
    record.provider_session.reset();
    record.pid.reset();
    record.exit_code.reset();
    record.started_at.reset();
    record.ended_at.reset();
    record.issue.reset();
    record.status = "created";

    store.upsert(record);
    const auto read = store.get("codex-00001");

    REQUIRE(read);
    CHECK(*read == record);
    CHECK(db.handle()
              .execAndGet("SELECT owner IS NULL AND repo IS NULL AND issue_number IS NULL "
                          "AND pid IS NULL FROM bottles")
              .getInt() == 1);
}

TEST_CASE("BottleStore returns nothing for an unknown identity", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    BottleStore store(db);
    store.upsert(sample("claude-ab3de"));

    CHECK_FALSE(store.get("claude-zzzzz"));
}

TEST_CASE("BottleStore upsert updates the run in place and keeps created_at", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    BottleStore store(db);
    auto record = sample("claude-ab3de", 9);
    record.status = "running";
    record.ended_at.reset();
    record.exit_code.reset();
    store.upsert(record);

    auto finished = record;
    finished.status = "exited";
    finished.exit_code = 0;
    finished.ended_at = at_hour(10);
    finished.created_at = at_hour(11);
    store.upsert(finished);

    CHECK(db.handle().execAndGet("SELECT count(*) FROM bottles").getInt() == 1);
    const auto read = store.get("claude-ab3de");
    REQUIRE(read);
    CHECK(read->status == "exited");
    CHECK(read->exit_code == 0);
    CHECK(read->ended_at == at_hour(10));
    CHECK(read->created_at == at_hour(9));
}

TEST_CASE("BottleStore lists runs newest first", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    BottleStore store(db);
    store.upsert(sample("middle", 10));
    store.upsert(sample("oldest", 8));
    store.upsert(sample("newest-first-inserted", 12));
    store.upsert(sample("newest-last-inserted", 12));

    std::vector<std::string> identities;
    for (const auto& record : store.all()) {
        identities.push_back(record.identity);
    }

    CHECK(identities == std::vector<std::string>{"newest-last-inserted", "newest-first-inserted",
                                                 "middle", "oldest"});
}

TEST_CASE("BottleStore remove deletes the run and succeeds when it is gone", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    BottleStore store(db);
    store.upsert(sample("claude-ab3de"));
    store.upsert(sample("codex-00001"));

    store.remove("claude-ab3de");

    CHECK_FALSE(store.get("claude-ab3de"));
    CHECK(store.get("codex-00001"));
    CHECK_NOTHROW(store.remove("claude-ab3de"));
    CHECK(store.all().size() == 1);
}

TEST_CASE("BottleStore reports an unreadable run as corrupt, naming it", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    Database db(file);
    BottleStore store(db);
    store.upsert(sample("claude-ab3de"));
    db.handle().exec("UPDATE bottles SET created_at = 'soon'");

    try {
        store.get("claude-ab3de");
        FAIL("get did not throw");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::corrupt);
        CHECK_THAT(e.what(), Catch::Contains("bottles row claude-ab3de") &&
                                 Catch::Contains(file.string()) && Catch::Contains("created_at"));
    }
}
