// Tests of the append-only audit table.
#include "store/audit_store.hpp"
#include "unit/store/store_test_support.hpp"
#include "util/error.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

using forgebot::Errc;
using forgebot::Error;
using forgebot::store::AuditEntry;
using forgebot::store::AuditOutcome;
using forgebot::store::AuditStore;
using forgebot::store::Database;
using forgebot::store::parse_audit_outcome;
using forgebot::testing::TempDir;

namespace {

/// An entry at 2026-11-21 09:00:00 UTC plus `minute` minutes.
AuditEntry entry(std::string identity, std::string operation, std::optional<std::int64_t> target,
                 AuditOutcome outcome, int minute) {
    return AuditEntry{std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} +
                          std::chrono::hours{9} + std::chrono::minutes{minute},
                      std::move(identity),
                      std::move(operation),
                      target,
                      outcome,
                      "detail " + std::to_string(minute)};
}

} // namespace

TEST_CASE("AuditStore returns an identity's entries in the order they were appended", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    AuditStore audit(db);
    const auto first = entry("claude-ab3de", "comment", 7, AuditOutcome::ok, 3);
    const auto other = entry("codex-00001", "comment", 8, AuditOutcome::ok, 1);
    const auto second = entry("claude-ab3de", "comment", 9, AuditOutcome::denied, 2);
    const auto third = entry("claude-ab3de", "queue.push", std::nullopt, AuditOutcome::error, 1);

    const auto id1 = audit.append(first);
    const auto id2 = audit.append(other);
    const auto id3 = audit.append(second);
    const auto id4 = audit.append(third);

    CHECK(id1 < id2);
    CHECK(id2 < id3);
    CHECK(id3 < id4);
    CHECK(audit.for_identity("claude-ab3de") == std::vector<AuditEntry>{first, second, third});
    CHECK(audit.for_identity("codex-00001") == std::vector<AuditEntry>{other});
    CHECK(audit.for_identity("nobody").empty());
    CHECK(audit.all() == std::vector<AuditEntry>{first, other, second, third});
    CHECK_FALSE(audit.all().back().target);
}

TEST_CASE("The audit table refuses UPDATE and DELETE", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    AuditStore audit(db);
    const auto kept = entry("claude-ab3de", "comment", 7, AuditOutcome::ok, 0);
    audit.append(kept);

    CHECK_THROWS_WITH(db.handle().exec("UPDATE audit SET outcome = 'denied'"),
                      Catch::Contains("append-only"));
    CHECK_THROWS_WITH(db.handle().exec("DELETE FROM audit"), Catch::Contains("append-only"));
    CHECK(audit.all() == std::vector<AuditEntry>{kept});
}

TEST_CASE("AuditStore never reuses an id", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    AuditStore audit(db);
    const auto before = audit.append(entry("claude-ab3de", "comment", 7, AuditOutcome::ok, 0));

    // Rationale: AUTOINCREMENT ids grow even past a row removed with the triggers dropped.
    db.handle().exec("DROP TRIGGER audit_refuses_delete; DELETE FROM audit");
    const auto after = audit.append(entry("claude-ab3de", "comment", 7, AuditOutcome::ok, 1));

    CHECK(after > before);
}

TEST_CASE("AuditStore reports an unreadable entry as corrupt, naming it", "[store]") {
    TempDir tmp;
    const auto file = tmp.path() / "forgebot.db";
    Database db(file);
    AuditStore audit(db);
    const auto id = audit.append(entry("claude-ab3de", "comment", 7, AuditOutcome::ok, 0));
    db.handle().exec("DROP TRIGGER audit_refuses_update; UPDATE audit SET at = 'noon'");

    try {
        audit.all();
        FAIL("all did not throw");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::corrupt);
        CHECK_THAT(e.what(), Catch::Contains("audit row " + std::to_string(id)) &&
                                 Catch::Contains(file.string()));
    }
}

TEST_CASE("AuditOutcome names round-trip and unknown names are refused", "[store]") {
    for (const auto outcome : {AuditOutcome::ok, AuditOutcome::denied, AuditOutcome::error}) {
        CHECK(parse_audit_outcome(to_string(outcome)) == outcome);
    }
    CHECK_FALSE(parse_audit_outcome("allowed"));
}
