// The bwrap backend from the agent's side: it can write its workspace and reach its sidecar,
// and cannot read FORGEBOT_HOME, the token or the host's home, nor reach the host's network
// with `network = "off"`. And the token of a forge run never reaches the agent.
#include "fakes/fake_forge.hpp"
#include "integration/bottle_fixture.hpp"
#include "util/process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

/// A TCP listener on 127.0.0.1 (accepts nothing; the kernel completes connections).
class Listener {
public:
    Listener() {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(m_fd, 16) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
    }
    ~Listener() { ::close(m_fd); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
};

} // namespace

TEST_CASE("bwrap: the agent writes its workspace but cannot read the host's secrets",
          "[bottle][bwrap]") {
    if (!bwrap_works("bwrap sandbox test")) {
        return;
    }
    BottleFixture f;
    Listener listener;
    // Something in FORGEBOT_HOME for the agent to try to read.
    std::filesystem::create_directories(f.home);
    std::ofstream(f.home / "planted") << "state\n";
    const std::string prompt =
        "edit=made.txt commit read=" + (f.home / "forgebot.db").string() +
        " read=" + (f.home / "planted").string() +
        " read=" + (f.user_home / "secret.txt").string() + " read=" + f.user_home.string() +
        " read=" + (f.repo / "README").string() + " connect=" + listener.address();
    const auto r =
        f.forgebot({"start", "claude", "--headless", "--backend", "bwrap", "--prompt", prompt});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto identity = ended_identity(r.err);
    const auto records = f.records(identity);
    REQUIRE(records.size() == 1);
    const auto& probes = records[0]["probes"];
    INFO(probes.dump());
    CHECK(probes["edit:made.txt"] == "ok");
    CHECK(probes["commit"] == 0);
    CHECK(probes["read:" + (f.home / "forgebot.db").string()] != "ok");
    CHECK(probes["read:" + (f.home / "planted").string()] != "ok");
    CHECK(probes["read:" + (f.user_home / "secret.txt").string()] != "ok");
    CHECK(probes["read:" + f.user_home.string()] != "ok");
    CHECK(probes["read:" + (f.repo / "README").string()] != "ok");
    // Network is on by default.
    CHECK(probes["connect:" + listener.address()] == "ok");
    // The commit came back into the host repository, outside the sandbox.
    CHECK(git_line({"-C", f.repo.string(), "log", "-1", "--format=%s", "forgebot/" + identity}) ==
          "fake agent commit");
    CHECK(f.show(identity)["workspace_kind"] == "reference_clone");
}

TEST_CASE("bwrap: the branch reaches the host after every session, moved by the agent or not",
          "[bottle][bwrap]") {
    if (!bwrap_works("bwrap fetch-back test")) {
        return;
    }
    BottleFixture f;
    const std::string base = git_line({"-C", f.repo.string(), "rev-parse", "HEAD"});
    const auto tip = [&](const std::string& identity) {
        return git_line({"-C", f.repo.string(), "rev-parse", "forgebot/" + identity});
    };

    const auto started =
        f.forgebot({"start", "claude", "--headless", "--backend", "bwrap", "--prompt", "look"});
    INFO(started.err);
    REQUIRE(started.exit_code == 0);
    const auto identity = ended_identity(started.err);
    CHECK(tip(identity) == base);

    const auto committed =
        f.forgebot({"resume", identity, "--headless", "--prompt", "edit=made.txt commit"});
    INFO(committed.err);
    REQUIRE(committed.exit_code == 0);
    CHECK(git_line({"-C", f.repo.string(), "log", "-1", "--format=%s", "forgebot/" + identity}) ==
          "fake agent commit");
    const std::string work = tip(identity);
    CHECK(work != base);

    SECTION("a session that leaves it keeps it") {
        const auto idle = f.forgebot({"resume", identity, "--headless", "--prompt", "look"});
        INFO(idle.err);
        REQUIRE(idle.exit_code == 0);
        CHECK(tip(identity) == work);
    }
    SECTION("a branch deleted in the host comes back") {
        git_line({"-C", f.repo.string(), "branch", "-q", "-D", "forgebot/" + identity});

        const auto idle = f.forgebot({"resume", identity, "--headless", "--prompt", "look"});
        INFO(idle.err);
        REQUIRE(idle.exit_code == 0);
        CHECK(idle.err.find("warning") == std::string::npos);
        CHECK(tip(identity) == work);
    }
    SECTION("a branch checked out in the host is not touched, with the warning as before") {
        git_line({"-C", f.repo.string(), "branch", "-q", "-f", "forgebot/" + identity, base});
        git_line({"-C", f.repo.string(), "worktree", "add", "-q",
                  (f.root.path() / "checked-out").string(), "forgebot/" + identity});

        const auto idle = f.forgebot({"resume", identity, "--headless", "--prompt", "look"});
        INFO(idle.err);
        REQUIRE(idle.exit_code == 0);
        CHECK(idle.err.find("forgebot: warning: cannot fetch forgebot/" + identity + " back") !=
              std::string::npos);
        CHECK(tip(identity) == base);
    }
}

TEST_CASE("bwrap: network = off keeps the agent off the host's loopback", "[bottle][bwrap]") {
    if (!bwrap_works("bwrap network test")) {
        return;
    }
    BottleFixture f;
    Listener listener;
    f.profile("offline", "network = \"off\"\n");
    const auto r = f.forgebot({"start", "codex", "--headless", "--backend", "bwrap", "--bottle",
                               "offline", "--prompt", "connect=" + listener.address()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto records = f.records(ended_identity(r.err));
    REQUIRE(records.size() == 1);
    CHECK(records[0]["probes"]["connect:" + listener.address()] != "ok");
}

TEST_CASE("a forge run: the agent works through the sidecar and never sees the token",
          "[bottle][forge]") {
    BottleFixture f;
    ForgeWorld world(f);
    for (const auto& backend :
         testable_backends("forge run under bwrap (process backend still runs)")) {
        DYNAMIC_SECTION("backend " << backend) {
            const std::string prompt =
                "edit=fix.txt commit call=read_issue:{\"number\":17} "
                "call=post_comment:{\"number\":17,\"body\":\"working\"} call=push_branch "
                "call=signal_done:{\"status\":\"success\",\"summary\":\"fixed\"} "
                "read=" +
                (f.config / "forgebot" / "local.token").string();
            const auto r = f.forgebot({"start", "claude", "--headless", "--backend", backend,
                                       "--forge", "local", "--owner", "o", "--repo", "r", "--issue",
                                       "17", "--prompt", prompt});
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const auto identity = ended_identity(r.err);
            const auto dir = f.bottle_dir(identity);
            const auto records = f.records(identity);
            REQUIRE(records.size() == 1);
            const auto& probes = records[0]["probes"];
            INFO(probes.dump());
            CHECK(probes["call:read_issue"]["exit"] == 0);
            CHECK(probes["call:post_comment"]["exit"] == 0);
            CHECK(probes["call:push_branch"]["exit"] == 0);
            CHECK(probes["call:signal_done"]["exit"] == 0);
            if (backend == "bwrap") {
                CHECK(probes["read:" + (f.config / "forgebot" / "local.token").string()] != "ok");
            }
            // The prompt told the agent about the sidecar's tools (bottle_mcp_test.cpp has more).
            CHECK(records[0]["prompt"].get<std::string>().find("`forge_signal_done`") !=
                  std::string::npos);
            const std::string branch = "forgebot/17-" + identity;
            CHECK(f.show(identity)["branch"] == branch);
            CHECK(world.forge.git_ref("refs/heads/" + branch).has_value());
            // signal_done reached the queue.
            CHECK(queued_events(dir) == 1);

            // The token is nowhere the agent could see it, nor in anything forgebot wrote.
            CHECK(records[0]["env"].dump().find(k_forge_token) == std::string::npos);
            CHECK(records[0]["argv"].dump().find(k_forge_token) == std::string::npos);
            CHECK(files_containing(dir, k_forge_token).empty());
            CHECK(r.err.find(k_forge_token) == std::string::npos);
            CHECK(r.out.find(k_forge_token) == std::string::npos);
            CHECK(read_file(dir / "workspace" / ".git" / "config").find(k_forge_token) ==
                  std::string::npos);
            CHECK(files_containing(f.home, k_forge_token).empty());
        }
    }
}
