// Tests of FORGEBOT_HOME resolution and private directory creation.
#include "store/home.hpp"
#include "unit/store/store_test_support.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

using forgebot::Errc;
using forgebot::Error;
using forgebot::store::default_database_path;
using forgebot::store::ensure_private_dir;
using forgebot::store::home_dir;
using forgebot::testing::ScopedEnv;
using forgebot::testing::TempDir;
using forgebot::testing::write_bytes;

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

TEST_CASE("ensure_private_dir creates missing directories and leaves existing ones", "[store]") {
    TempDir tmp;
    const auto existing = tmp.path() / "existing";
    std::filesystem::create_directory(existing);
    std::filesystem::permissions(existing, std::filesystem::perms(0755));

    ensure_private_dir(existing / "x" / "y");
    ensure_private_dir(existing / "x" / "y");

    struct stat st {};
    REQUIRE(::stat((existing / "x" / "y").c_str(), &st) == 0);
    CHECK((st.st_mode & 0077U) == 0U);
    REQUIRE(::stat(existing.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777U) == 0755U);
}

TEST_CASE("ensure_private_dir names the path when a file is in the way", "[store]") {
    TempDir tmp;
    const auto blocker = tmp.path() / "blocker";
    write_bytes(blocker, "x");

    try {
        ensure_private_dir(blocker / "home");
        FAIL("ensure_private_dir did not throw");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::io);
        CHECK_THAT(e.what(), Catch::Contains((blocker / "home").string()));
    }
}
