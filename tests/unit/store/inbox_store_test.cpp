// Tests of the webhook inbox: storing deliveries alone and together, and what counts as new.
#include "store/database.hpp"
#include "store/inbox_store.hpp"
#include "unit/store/store_test_support.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using forgebot::store::Database;
using forgebot::store::Delivery;
using forgebot::store::InboxStore;
using forgebot::testing::TempDir;

namespace {

Delivery delivery(const std::string& forge, const std::string& id) {
    Delivery d;
    d.forge = forge;
    d.delivery_id = id;
    d.headers = R"({"x-gitea-event":"issues"})";
    d.body = std::string(R"({"action":"opened","n":")") + id + "\"}";
    return d;
}

} // namespace

TEST_CASE("InboxStore stores deliveries together and says which were new", "[store]") {
    TempDir tmp;
    Database db(tmp.path() / "forgebot.db");
    InboxStore inbox(db);
    REQUIRE(inbox.add("local", "d-1", "{}", "{}"));

    const auto added = inbox.add_all({delivery("local", "d-1"), delivery("local", "d-2"),
                                      delivery("other", "d-1"), delivery("local", "d-2")});

    CHECK(added == std::vector<bool>{false, true, true, false});
    const auto pending = inbox.pending();
    REQUIRE(pending.size() == 3);
    CHECK(pending[1].forge == "local");
    CHECK(pending[1].delivery_id == "d-2");
    CHECK(pending[1].body == delivery("local", "d-2").body);
    CHECK(pending[1].headers == delivery("local", "d-2").headers);
    CHECK(pending[2].forge == "other");
    CHECK(inbox.add_all({}).empty());
}
