// Tests of FORGEBOT_HOME resolution.
#include "store/home.hpp"
#include "unit/store/store_test_support.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using forgebot::Errc;
using forgebot::Error;
using forgebot::store::default_database_path;
using forgebot::store::home_dir;
using forgebot::testing::ScopedEnv;

TEST_CASE("home_dir prefers FORGEBOT_HOME, then XDG_STATE_HOME, then HOME", "[store]") {
    SECTION("FORGEBOT_HOME wins over everything") {
        ScopedEnv forgebot_home("FORGEBOT_HOME", "/srv/forgebot");
        ScopedEnv xdg("XDG_STATE_HOME", "/home/ann/.state");
        ScopedEnv home("HOME", "/home/ann");

        CHECK(home_dir() == "/srv/forgebot");
        CHECK(default_database_path() == "/srv/forgebot/forgebot.db");
    }
    SECTION("XDG_STATE_HOME comes next") {
        ScopedEnv forgebot_home("FORGEBOT_HOME", std::nullopt);
        ScopedEnv xdg("XDG_STATE_HOME", "/home/ann/.state");
        ScopedEnv home("HOME", "/home/ann");

        CHECK(home_dir() == "/home/ann/.state/forgebot");
    }
    SECTION("HOME is the last resort") {
        ScopedEnv forgebot_home("FORGEBOT_HOME", std::nullopt);
        ScopedEnv xdg("XDG_STATE_HOME", std::nullopt);
        ScopedEnv home("HOME", "/home/ann");

        CHECK(home_dir() == "/home/ann/.local/state/forgebot");
    }
    SECTION("empty values count as unset") {
        ScopedEnv forgebot_home("FORGEBOT_HOME", "");
        ScopedEnv xdg("XDG_STATE_HOME", "");
        ScopedEnv home("HOME", "/home/ann");

        CHECK(home_dir() == "/home/ann/.local/state/forgebot");
    }
    SECTION("none set is an io error") {
        ScopedEnv forgebot_home("FORGEBOT_HOME", std::nullopt);
        ScopedEnv xdg("XDG_STATE_HOME", std::nullopt);
        ScopedEnv home("HOME", std::nullopt);

        try {
            home_dir();
            FAIL("home_dir did not throw");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::io);
            CHECK_THAT(e.what(), Catch::Contains("FORGEBOT_HOME"));
        }
    }
}
