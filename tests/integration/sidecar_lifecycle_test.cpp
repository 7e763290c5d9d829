// The sidecar process as an operator sees it: start-up checks, the socket and its permissions,
// the token's sources and secrecy, and shutdown on SIGTERM.
#include "integration/sidecar_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <thread>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

/// Polls `condition` every few milliseconds for up to `timeout`; whether it became true.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

unsigned permissions_of(const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

/// Every regular file under `dir`, with its bytes.
std::vector<std::pair<std::filesystem::path, std::string>>
files_under(const std::filesystem::path& dir) {
    std::vector<std::pair<std::filesystem::path, std::string>> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file()) {
            files.emplace_back(entry.path(), read_text(entry.path()));
        }
    }
    return files;
}

} // namespace

TEST_CASE("On SIGTERM the sidecar answers the request in flight, removes its socket and exits 0",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    f.forge.add_fault(delayed("GET", "/repos/o/r/issues/17", std::chrono::milliseconds(1500)));

    UnixHttpClient idle(f.sidecar.socket()); // a keep-alive client between requests
    REQUIRE(idle.request("GET", "/health").status == 200);
    UnixHttpClient stalled(f.sidecar.socket()); // half a request, never finished
    stalled.send(http_request_bytes("POST", "/rpc", rpc_request("ping").dump()).substr(0, 30));
    UnixHttpClient busy(f.sidecar.socket());
    busy.send(
        http_request_bytes("POST", "/rpc", rpc_request("read_issue", {{"number", 17}}).dump()));
    REQUIRE(eventually([&] { return f.forge.count("GET", "/repos/o/r/issues/17") == 1; }));

    const auto signalled = std::chrono::steady_clock::now();
    f.sidecar.process().send_signal(SIGTERM);
    // New connections are refused at once, while the request in flight is still being served.
    CHECK(eventually([&] { return !sidecar_healthy(f.sidecar.socket()); }));
    CHECK(f.sidecar.process().running());
    CHECK(idle.closed_by_peer(std::chrono::seconds(5)));
    CHECK(stalled.closed_by_peer(std::chrono::seconds(5)));

    const HttpReply reply = busy.read_reply();
    CHECK(reply.status == 200);
    CHECK_FALSE(reply.keep_alive);
    CHECK(reply.json()["result"]["title"] == "Crash on empty config");

    CHECK(f.sidecar.process().wait_for(std::chrono::seconds(10)) == 0);
    CHECK(std::chrono::steady_clock::now() - signalled < std::chrono::seconds(5));
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(f.sidecar.socket())));
    CHECK_THAT(f.sidecar.stderr_text(), Catch::Contains("finishing requests in flight"));
}

TEST_CASE("SIGINT stops an idle sidecar cleanly too", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    f.sidecar.process().send_signal(SIGINT);
    CHECK(f.sidecar.process().wait_for(std::chrono::seconds(10)) == 0);
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(f.sidecar.socket())));
}

TEST_CASE("The sidecar replaces a stale socket but refuses to take over a live one", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    f.sidecar.kill();
    REQUIRE(std::filesystem::is_socket(f.sidecar.socket())); // left behind by SIGKILL

    f.sidecar.start();
    CHECK(f.sidecar.call("ping")["result"] == "pong");

    TempDir other_root("/tmp", "fbt-");
    SidecarProcess second(other_root.path(), [&] {
        SidecarSettings s = f.sidecar.settings();
        s.socket = f.sidecar.socket();
        return s;
    }());
    second.spawn();
    CHECK(second.process().wait_for(std::chrono::seconds(10)) == 3);
    CHECK_THAT(second.stderr_text(),
               Catch::Contains("forgebot: error: another process is already serving on " +
                               f.sidecar.socket().string()));
    // The first sidecar is untouched and its socket still there.
    CHECK(f.sidecar.call("ping")["result"] == "pong");
    CHECK(f.sidecar.stop() == 0);
}

TEST_CASE("The sidecar refuses a path that exists and is not a socket", "[sidecar]") {
    SidecarFixture f;
    std::filesystem::create_directories(f.sidecar.socket().parent_path());
    std::ofstream(f.sidecar.socket()) << "precious\n";
    f.sidecar.spawn();
    CHECK(f.sidecar.process().wait_for(std::chrono::seconds(10)) == 2);
    CHECK_THAT(f.sidecar.stderr_text(), Catch::Contains("is not a socket"));
    CHECK(read_text(f.sidecar.socket()) == "precious\n");
}

TEST_CASE("The sidecar refuses a socket path over the sun_path limit, naming the limit",
          "[sidecar]") {
    TempDir root("/tmp", "fbt-");
    FakeForge forge(FakeForgeFlavor::gitea);
    const auto dir = root.path() / "s";
    const auto at_length = [&](std::size_t length) {
        return dir / std::string(length - dir.native().size() - 1, 'a');
    };

    SidecarSettings settings;
    settings.api_url = forge.base_url();
    settings.socket = at_length(108);
    SidecarProcess too_long(root.path(), settings);
    too_long.spawn();
    CHECK(too_long.process().wait_for(std::chrono::seconds(10)) == 2);
    CHECK_THAT(too_long.stderr_text(),
               Catch::Contains("is 108 bytes; the limit is 107 (sun_path)"));

    settings.socket = at_length(107);
    SidecarProcess longest(root.path(), settings);
    longest.start();
    CHECK(longest.call("ping")["result"] == "pong");
}

TEST_CASE("The sidecar's socket is mode 0600 in a directory it makes 0700", "[sidecar]") {
    SidecarFixture f;
    REQUIRE_FALSE(std::filesystem::exists(f.sidecar.socket().parent_path()));
    f.sidecar.start();
    CHECK(std::filesystem::is_socket(f.sidecar.socket()));
    CHECK(permissions_of(f.sidecar.socket()) == 0600);
    CHECK(permissions_of(f.sidecar.socket().parent_path()) == 0700);
    CHECK(permissions_of(f.sidecar.audit_log()) == 0600);
}

TEST_CASE("The sidecar takes its token from a descriptor, a private file or FORGE_TOKEN",
          "[sidecar]") {
    for (const auto via : {TokenVia::fd, TokenVia::file, TokenVia::env}) {
        SidecarFixture f([via](SidecarSettings& s) { s.token_via = via; });
        f.sidecar.start();
        // The fake forge answers 401 to any other token.
        CHECK(f.sidecar.call("read_issue", {{"number", 17}})["result"]["number"] == 17);
    }
}

TEST_CASE("The sidecar refuses a token file others can read", "[sidecar]") {
    SidecarFixture f([](SidecarSettings& s) { s.token_via = TokenVia::none; });
    const auto file = f.root.path() / "open-token";
    std::ofstream(file) << k_sidecar_test_token << '\n';
    std::filesystem::permissions(file, static_cast<std::filesystem::perms>(0644));
    f.sidecar.settings().extra_args = {"--token-file", file.string()};
    f.sidecar.spawn();
    CHECK(f.sidecar.process().wait_for(std::chrono::seconds(10)) == 2);
    const std::string err = f.sidecar.stderr_text();
    CHECK_THAT(err, Catch::Contains("token file " + file.string() +
                                    " is readable by others (mode 0644); run: chmod 600"));
    CHECK(err.find(k_sidecar_test_token) == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(f.sidecar.socket())));
}

TEST_CASE("The sidecar without a token exits 2 and says how to give one", "[sidecar]") {
    SidecarFixture f([](SidecarSettings& s) { s.token_via = TokenVia::none; });
    f.sidecar.spawn();
    CHECK(f.sidecar.process().wait_for(std::chrono::seconds(10)) == 2);
    CHECK(f.sidecar.stderr_text() == "forgebot: error: no forge token: pass --token-fd N or "
                                     "--token-file FILE, or set FORGE_TOKEN\n");
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(f.sidecar.socket())));

    // An empty descriptor is no token either.
    SidecarFixture empty([](SidecarSettings& s) { s.token = ""; });
    empty.sidecar.spawn();
    CHECK(empty.sidecar.process().wait_for(std::chrono::seconds(10)) == 2);
    CHECK_THAT(empty.sidecar.stderr_text(), Catch::Contains("descriptor 3 is empty"));
}

TEST_CASE("The token never appears in the sidecar's output, audit, store or answers", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const std::string token = k_sidecar_test_token;
    std::string answers;
    auto call = [&](const std::string& method, json params) {
        answers += f.sidecar.call(method, std::move(params)).dump();
    };

    // A forge that quotes the token back in its error messages.
    const std::string quoted = json{{"message", "token " + token + " may not comment"}}.dump();
    f.forge.add_fault(failing("POST", "/repos/o/r/issues/17/comments", 422, quoted));
    f.forge.add_fault(failing("PATCH", "/repos/o/r/issues/42", 500,
                              "internal error near Authorization: token " + token));
    f.forge.add_fault(failing("GET", "/repos/o/r/issues/404", 404, quoted));

    call("read_issue", {{"number", 17}});
    call("read_comments", {{"number", 17}});
    call("post_comment", {{"number", 17}, {"body", "hello"}});
    call("update_description", {{"number", 42}, {"body", "desc"}});
    call("read_issue", {{"number", 404}});
    call("post_comment", {{"number", 500}, {"body", "x"}});
    call("post_comment", {{"number", 17}, {"body", "ok"}});
    call("signal_done", {{"status", "failure"}, {"summary", "gave up"}});
    f.forge.set_token("another-token"); // the forge now refuses ours: 401
    call("read_pr", {{"number", 42}});
    call("post_comment", {{"number", 17}, {"body", "refused"}});
    UnixHttpClient client(f.sidecar.socket());
    answers += client.request("GET", "/health").body;

    // The calls did reach the forge with the token, and the forge's echo was there to leak.
    REQUIRE(f.forge.requests().front().headers.at("authorization") == "token " + token);
    CHECK_THAT(answers, Catch::Contains("***"));
    CHECK(answers.find(token) == std::string::npos);

    // Nor is it visible in the process's arguments or environment.
    const auto proc = "/proc/" + std::to_string(f.sidecar.process().pid());
    CHECK(read_text(proc + "/cmdline").find(token) == std::string::npos);
    CHECK(read_text(proc + "/environ").find(token) == std::string::npos);

    REQUIRE(f.sidecar.stop() == 0);
    REQUIRE(std::filesystem::exists(f.sidecar.database()));
    REQUIRE_FALSE(f.sidecar.stderr_text().empty());
    for (const auto& [path, bytes] : files_under(f.root.path())) {
        INFO(path.string());
        CHECK(bytes.find(token) == std::string::npos);
    }
}
