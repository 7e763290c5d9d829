// Tests of reading secrets from private files: trimming, and what is refused without leaking.
#include "fakes/temp_dir.hpp"
#include "util/error.hpp"
#include "util/secret_file.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using forgebot::Errc;
using forgebot::Error;
using forgebot::testing::TempDir;
using forgebot::util::read_secret_file;

namespace {

std::filesystem::path write_secret(const TempDir& dir, const std::string& text, mode_t mode) {
    const auto file = dir.path() / "secret";
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    REQUIRE(::chmod(file.c_str(), mode) == 0);
    return file;
}

/// The Error reading `file` throws.
Error secret_error(const std::filesystem::path& file) {
    try {
        read_secret_file(file, "token file");
    } catch (const Error& e) {
        return e;
    }
    FAIL("the secret was read without error");
    return Error(Errc::failure, "");
}

} // namespace

TEST_CASE("read_secret_file trims one trailing newline", "[util][secret_file][config]") {
    TempDir dir;
    CHECK(read_secret_file(write_secret(dir, "s3cret\n", 0600), "token file") == "s3cret");
    CHECK(read_secret_file(write_secret(dir, "s3cret\r\n", 0400), "token file") == "s3cret");
    CHECK(read_secret_file(write_secret(dir, "s3cret", 0600), "token file") == "s3cret");
    CHECK(read_secret_file(write_secret(dir, "s3cret\n\n", 0600), "token file") == "s3cret\n");
}

TEST_CASE("read_secret_file refuses a file others can read, without quoting it",
          "[util][secret_file][config]") {
    TempDir dir;
    for (const mode_t mode : {0644U, 0640U, 0604U, 0602U}) {
        const auto file = write_secret(dir, "s3cret\n", mode);
        const Error e = secret_error(file);
        CHECK(e.code() == Errc::invalid_input);
        CHECK_THAT(e.what(), Catch::Contains("token file " + file.string()) &&
                                 Catch::Contains("chmod 600 " + file.string()));
        CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
    }
}

TEST_CASE("read_secret_file says what is wrong with a missing, empty or odd file",
          "[util][secret_file][config]") {
    TempDir dir;
    const auto missing = secret_error(dir.path() / "nope");
    CHECK(missing.code() == Errc::not_found);
    CHECK(std::string(missing.what()) == "no token file at " + (dir.path() / "nope").string());

    const auto file = write_secret(dir, "\n", 0600);
    const auto empty = secret_error(file);
    CHECK(empty.code() == Errc::invalid_input);
    CHECK(std::string(empty.what()) == "token file " + file.string() + " is empty");

    const auto not_file = secret_error(dir.path());
    CHECK(not_file.code() == Errc::invalid_input);
    CHECK_THAT(not_file.what(), Catch::EndsWith("is not a regular file"));

    const auto fifo = dir.path() / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(secret_error(fifo).code() == Errc::invalid_input); // refused, not waited on
}
