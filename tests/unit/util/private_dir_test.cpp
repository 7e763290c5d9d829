// Tests of private directory creation: modes of new and existing directories, and the error.
#include "fakes/temp_dir.hpp"
#include "util/error.hpp"
#include "util/private_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sys/stat.h>

using forgebot::Errc;
using forgebot::Error;
using forgebot::testing::TempDir;
using forgebot::util::ensure_private_dir;

TEST_CASE("ensure_private_dir creates missing directories and leaves existing ones", "[util]") {
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

TEST_CASE("ensure_private_dir names the path when a file is in the way", "[util]") {
    TempDir tmp;
    const auto blocker = tmp.path() / "blocker";
    std::ofstream(blocker) << "x";

    try {
        ensure_private_dir(blocker / "home");
        FAIL("ensure_private_dir did not throw");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::io);
        CHECK_THAT(e.what(), Catch::Contains((blocker / "home").string()));
    }
}
