// Shared set-up for the sidecar integration tests: a seeded fake Gitea and a sidecar for one run.
#pragma once

#include "fakes/fake_forge.hpp"
#include "fakes/git_repo.hpp"
#include "fakes/process.hpp"
#include "fakes/sidecar_process.hpp"
#include "fakes/temp_dir.hpp"
#include "fakes/unix_http_client.hpp"

#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace forgebot::testing {

/// A fake Gitea (requiring the test token) holding the run's issue #17 with two comments, its
/// PR #42 (head `fb/claude-ab3de`), an unrelated issue #5 and an unrelated PR #60; and a
/// sidecar, not yet started, for issue #17 with `--pr 42`, under a short temporary directory.
struct SidecarFixture {
    /// `adjust` may change the sidecar's settings before anything starts.
    explicit SidecarFixture(const std::function<void(SidecarSettings&)>& adjust = {})
        : sidecar(root.path(), settings_for(forge, adjust)) {
        forge.set_token(k_sidecar_test_token);
        forge.put_issue({17, "Crash on empty config", "Steps: run with an empty file.", "open"});
        forge.put_issue({5, "Unrelated issue", "Not ours.", "open"});
        FakeIssue pr{42, "Fix crash on empty config", "Fixes #17.", "open"};
        pr.is_pull = true;
        pr.head_branch = "fb/claude-ab3de";
        pr.base_branch = "main";
        forge.put_issue(pr);
        FakeIssue other{60, "Someone else's PR", "Unrelated.", "open"};
        other.is_pull = true;
        other.head_branch = "feature";
        other.base_branch = "main";
        forge.put_issue(other);
        forge.add_comment(17, "alice", "It crashes for me too.");
        forge.add_comment(17, "bob", std::string("Same here."));
    }

    /// The number of writes (POST, PATCH, PUT, DELETE) the fake forge has received.
    std::size_t forge_writes() const {
        std::size_t writes = 0;
        for (const auto& request : forge.requests()) {
            if (request.method != "GET") {
                ++writes;
            }
        }
        return writes;
    }

    FakeForge forge{FakeForgeFlavor::gitea};
    TempDir root{"/tmp", "fbt-"};
    SidecarProcess sidecar;

private:
    static SidecarSettings settings_for(const FakeForge& forge,
                                        const std::function<void(SidecarSettings&)>& adjust) {
        SidecarSettings settings;
        settings.api_url = forge.base_url();
        settings.prs = {42};
        if (adjust) {
            adjust(settings);
        }
        return settings;
    }
};

/// A SidecarFixture whose sidecar can push, not yet started: `--workspace` a git repository with
/// one commit (fix.txt) and `--branch forgebot/17-ab3de`, the fake forge hosting the repository
/// the push goes to.
struct PushFixture {
    PushFixture() {
        f.forge.serve_git(work.path() / "forge.git");
        git_line({"init", "-q", workspace.string()});
        std::ofstream(workspace / "fix.txt") << "the fix\n";
        git_line({"-C", workspace.string(), "add", "fix.txt"});
        git_line({"-C", workspace.string(), "commit", "-q", "-m", "Fix the crash"});
        head = git_line({"-C", workspace.string(), "rev-parse", "HEAD"});
    }

    TempDir work{"/tmp", "fbw-"};
    std::filesystem::path workspace = work.path() / "ws";
    std::string branch = "forgebot/17-ab3de";
    SidecarFixture f{[this](SidecarSettings& s) {
        s.extra_args = {"--workspace", workspace.string(), "--branch", branch};
    }};
    std::string head; ///< the workspace's commit
};

/// A fault answering the next `method` request to `path` (relative to the API base) with
/// `status`, `body` (empty: the fake's own error object) and extra `headers`.
inline FakeFault failing(std::string method, std::string path, int status, std::string body = {},
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    FakeFault fault;
    fault.method = std::move(method);
    fault.path = std::move(path);
    fault.status = status;
    fault.body = std::move(body);
    fault.headers = std::move(headers);
    return fault;
}

/// A fault holding the next `method` request to `path` for `delay`, then answering normally.
inline FakeFault delayed(std::string method, std::string path, std::chrono::milliseconds delay) {
    FakeFault fault;
    fault.method = std::move(method);
    fault.path = std::move(path);
    fault.delay = delay;
    return fault;
}

/// Runs `curl --unix-socket SOCKET http://sidecar/rpc -d BODY` and returns what it printed.
inline RunResult curl_rpc(const std::filesystem::path& socket, const std::string& body) {
    RunOptions options;
    options.timeout = std::chrono::seconds(20);
    return run_program({"curl", "-sS", "--unix-socket", socket.string(), "http://sidecar/rpc", "-H",
                        "Content-Type: application/json", "-d", body},
                       options);
}

} // namespace forgebot::testing
