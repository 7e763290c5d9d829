// A temporary world for bottle tests: a host git repository, FORGEBOT_HOME, a config home, a
// user HOME, and PATH leading to the fake claude and codex.
#pragma once

#include "fakes/fake_agents.hpp"
#include "fakes/fake_forge.hpp"
#include "fakes/git_repo.hpp"
#include "fakes/process.hpp"
#include "fakes/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace forgebot::testing {

struct BottleFixture {
    TempDir root{"/tmp", "fbb-"};
    std::filesystem::path repo = root.path() / "repo";
    std::filesystem::path home = root.path() / "state";
    std::filesystem::path config = root.path() / "config";
    std::filesystem::path user_home = root.path() / "user";

    BottleFixture() {
        std::filesystem::create_directories(user_home);
        std::ofstream(user_home / "secret.txt") << "the user's own file\n";
        git_line({"init", "-q", repo.string()});
        std::ofstream(repo / "README") << "hello\n";
        git_line({"-C", repo.string(), "add", "README"});
        git_line({"-C", repo.string(), "commit", "-q", "-m", "init"});
    }

    /// Options running forgebot in the repository with this world's environment.
    RunOptions options(std::string stdin_data = {}) const {
        RunOptions o;
        o.env["FORGEBOT_HOME"] = home.string();
        o.env["XDG_CONFIG_HOME"] = config.string();
        o.env["XDG_STATE_HOME"] = std::nullopt;
        o.env["HOME"] = user_home.string();
        o.env["PATH"] = path_with_fakes();
        o.env["GIT_CONFIG_NOSYSTEM"] = "1";
        o.env["GIT_CONFIG_GLOBAL"] = "/dev/null";
        o.env["FORGEBOT_SIDECAR_SOCKET"] = std::nullopt;
        o.env["FORGEBOT_CONFIG"] = std::nullopt;
        o.cwd = repo.string();
        o.stdin_data = std::move(stdin_data);
        o.timeout = std::chrono::seconds(60);
        return o;
    }

    RunResult forgebot(const std::vector<std::string>& args, std::string stdin_data = {}) const {
        return run_forgebot(args, options(std::move(stdin_data)));
    }

    /// `forgebot show ID --json`.
    nlohmann::json show(const std::string& identity) const {
        const auto r = forgebot({"show", identity, "--json"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return nlohmann::json::parse(r.out);
    }

    /// The identity of the newest bottle.
    std::string newest() const {
        const auto r = forgebot({"list", "-q"});
        REQUIRE(r.exit_code == 0);
        REQUIRE(!r.out.empty());
        return r.out.substr(0, r.out.find('\n'));
    }

    std::filesystem::path bottle_dir(const std::string& identity) const {
        return home / "bottles" / identity;
    }

    /// What the fakes recorded in bottle `identity`'s home, oldest first.
    std::vector<nlohmann::json> records(const std::string& identity) const {
        return fake_agent_records(bottle_dir(identity) / "home");
    }

    /// Writes a bottle profile.
    void profile(const std::string& name, const std::string& toml) const {
        std::filesystem::create_directories(config / "forgebot" / "bottles");
        std::ofstream(config / "forgebot" / "bottles" / (name + ".toml")) << toml;
    }
};

/// The token of ForgeWorld's forge, distinctive enough to grep for.
inline constexpr const char* k_forge_token = "fbtok-bottle-9d4c1e77a0b2";

/// A forge world: the fake forge serving issue 17 and its git repository, and a config.toml
/// naming it `local` with a token file.
struct ForgeWorld {
    BottleFixture& f;
    FakeForge forge{FakeForgeFlavor::gitea};

    explicit ForgeWorld(BottleFixture& fixture) : f(fixture) {
        forge.set_token(k_forge_token);
        const auto bare = f.root.path() / "forge.git";
        forge.serve_git(bare);
        // Seed the forge's repository with the host repository's main branch.
        git_line({"-C", f.repo.string(), "push", "-q", bare.string(), "main"});
        FakeIssue issue;
        issue.number = 17;
        issue.title = "Fix the crash";
        issue.body = "It crashes.";
        forge.put_issue(issue);
        std::filesystem::create_directories(f.config / "forgebot");
        const auto token_file = f.config / "forgebot" / "local.token";
        std::ofstream(token_file) << k_forge_token << "\n";
        std::filesystem::permissions(token_file, std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write);
        std::ofstream(f.config / "forgebot" / "config.toml")
            << "[[forges]]\nname = \"local\"\nkind = \"gitea\"\napi_url = \"" << forge.base_url()
            << "\"\ntoken_file = \"local.token\"\n";
    }
};

/// Whether bubblewrap can make its namespaces here; prints the skip marker when not.
inline bool bwrap_works(std::string_view what) {
    const auto r = run_program({"bwrap", "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/",
                                "--dev", "/dev", "--proc", "/proc", "true"});
    if (r.exit_code != 0) {
        std::cout << "forgebot-test-skip: " << what
                  << " skipped: bubblewrap cannot create namespaces here\n";
        return false;
    }
    return true;
}

/// The backends a test of agent runs covers: process, and bwrap where it works (printing the
/// skip marker for `what` where it does not).
inline std::vector<std::string> testable_backends(std::string_view what) {
    std::vector<std::string> backends{"process"};
    if (bwrap_works(what)) {
        backends.emplace_back("bwrap");
    }
    return backends;
}

/// The number of signal_done events in bottle directory `dir`'s queue.
inline std::size_t queued_events(const std::filesystem::path& dir) {
    std::size_t events = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(dir / "queue" / "new")) {
        ++events;
    }
    return events;
}

/// The identity named in a session's closing line on stderr.
inline std::string ended_identity(const std::string& err) {
    const auto at = err.find("session ");
    const auto ended = err.find(" ended (");
    REQUIRE(at != std::string::npos);
    REQUIRE(ended != std::string::npos);
    const auto line_start = err.rfind('\n', ended);
    const auto from = line_start == std::string::npos ? 0 : line_start + 1;
    return err.substr(from + 8, ended - from - 8);
}

} // namespace forgebot::testing
