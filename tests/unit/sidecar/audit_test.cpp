// The audit log: JSON lines at once, store rows behind, nothing lost on shutdown.
#include "fakes/temp_dir.hpp"
#include "sidecar/audit.hpp"
#include "store/database.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

using namespace forgebot;

TEST_CASE("Every audited operation reaches the JSON log and the store", "[sidecar]") {
    testing::TempDir dir;
    const auto db_path = dir.path() / "forgebot.db";
    constexpr int k_threads = 4;
    constexpr int k_each = 50;
    {
        sidecar::AuditLog audit(dir.path() / "a" / "audit.jsonl", db_path);
        std::vector<std::thread> threads;
        for (int t = 0; t < k_threads; ++t) {
            threads.emplace_back([&audit, t] {
                for (int i = 0; i < k_each; ++i) {
                    store::AuditEntry e;
                    e.at = util::now_seconds();
                    e.identity = "run-" + std::to_string(t);
                    e.operation = "post_comment";
                    e.target = i;
                    e.outcome = store::AuditOutcome::ok;
                    e.detail = "posted comment to #" + std::to_string(i);
                    audit.record(e);
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
    } // the destructor drains the store queue

    std::ifstream in(dir.path() / "a" / "audit.jsonl");
    int lines = 0;
    for (std::string line; std::getline(in, line); ++lines) {
        const auto j = nlohmann::json::parse(line); // every line whole
        CHECK(j["method"] == "post_comment");
    }
    CHECK(lines == k_threads * k_each);

    store::Database db(db_path);
    CHECK(store::AuditStore(db).all().size() == static_cast<std::size_t>(k_threads * k_each));
    CHECK(store::AuditStore(db).for_identity("run-2").size() == static_cast<std::size_t>(k_each));
}
