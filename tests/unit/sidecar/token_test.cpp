// Where the sidecar takes its token from, and what it refuses.
#include "fakes/temp_dir.hpp"
#include "sidecar/token.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace forgebot;

TEST_CASE("A token is read whole from an inherited descriptor", "[sidecar]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string text = "tok-123\n";
    REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fds[1]);
    CHECK(sidecar::read_token_fd(fds[0]) == "tok-123");
    CHECK(::fcntl(fds[0], F_GETFD) == -1); // closed after reading
}

TEST_CASE("A token file readable by others is refused, naming its mode", "[sidecar]") {
    testing::TempDir dir;
    const auto file = dir.path() / "token";
    std::ofstream(file) << "tok-456\n";
    ::chmod(file.c_str(), 0644);
    try {
        sidecar::read_token_file(file);
        FAIL("expected a refusal");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::usage);
        CHECK_THAT(e.what(), Catch::Contains("0644") && Catch::Contains("chmod 600"));
        CHECK(std::string(e.what()).find("tok-456") == std::string::npos);
    }
    ::chmod(file.c_str(), 0600);
    CHECK(sidecar::read_token_file(file) == "tok-456");
}

TEST_CASE("FORGE_TOKEN is taken once and removed from the environment", "[sidecar]") {
    ::setenv("FORGE_TOKEN", "tok-789", 1);
    CHECK(sidecar::take_token_env() == "tok-789");
    CHECK(std::getenv("FORGE_TOKEN") == nullptr);
    CHECK_FALSE(sidecar::take_token_env().has_value());
}

TEST_CASE("An empty or multi-line token is refused", "[sidecar]") {
    testing::TempDir dir;
    const auto file = dir.path() / "token";
    std::ofstream(file) << "a\nb\n";
    ::chmod(file.c_str(), 0600);
    CHECK_THROWS_AS(sidecar::read_token_file(file), Error);
    std::ofstream(file, std::ios::trunc) << "\n";
    CHECK_THROWS_AS(sidecar::read_token_file(file), Error);
}
