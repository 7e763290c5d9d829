// GitPusher against the fake forge's real git hosting: what reaches the forge, and what never runs.
#include "fakes/fake_forge.hpp"
#include "fakes/git_repo.hpp"
#include "fakes/process.hpp"
#include "fakes/temp_dir.hpp"
#include "forge/forge_error.hpp"
#include "sidecar/push.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace fs = std::filesystem;
using forgebot::Errc;
using forgebot::Error;
using forgebot::sidecar::GitPusher;
using forgebot::sidecar::is_valid_branch_name;
using forgebot::sidecar::PushConfig;
using forgebot::testing::commit;
using forgebot::testing::FakeForge;
using forgebot::testing::FakeForgeFlavor;
using forgebot::testing::files_containing;
using forgebot::testing::git_ok;
using forgebot::testing::read_file;
using forgebot::testing::RecordedRequest;
using forgebot::testing::run_test_git;
using forgebot::testing::RunOptions;
using forgebot::testing::RunResult;
using forgebot::testing::TempDir;
using forgebot::testing::write_file;

namespace {

constexpr std::string_view k_token = "push-tok-5e3c1a9b-secret";
constexpr std::string_view k_branch = "forgebot/run-1";

/// Creates a repository at `dir` (initial branch main) with no commit.
void init_repo(const fs::path& dir) {
    fs::create_directories(dir);
    git_ok(dir, {"init", "--quiet", "--initial-branch=main"});
}

/// A workspace repository, a fake Gitea hosting o/r over git with a token, and a config for
/// pushing one to the other through a mirror of the sidecar's.
struct PushFixture {
    PushFixture() {
        forge.set_token(std::string(k_token));
        forge.serve_git(tmp.path() / "forge" / "o" / "r.git");
        init_repo(workspace());
        fs::create_directories(tmp.path() / "sidecar");
    }

    fs::path workspace() const { return tmp.path() / "ws"; }
    fs::path mirror() const { return tmp.path() / "sidecar" / "push.git"; }

    PushConfig config(std::string branch = std::string(k_branch)) const {
        PushConfig config;
        config.workspace = workspace();
        config.branch = std::move(branch);
        config.mirror = mirror();
        config.kind = forgebot::forge::ForgeKind::gitea;
        config.token = std::string(k_token);
        config.clone_url = [origin = forge.origin()] {
            return origin + "/o/r.git";
        };
        config.timeout = std::chrono::seconds{20};
        return config;
    }

    std::optional<std::string> forge_branch(std::string_view branch = k_branch) const {
        return forge.git_ref("refs/heads/" + std::string(branch));
    }

    /// The git requests the forge received.
    std::vector<RecordedRequest> git_requests() const {
        std::vector<RecordedRequest> found;
        for (const auto& request : forge.requests()) {
            if (request.path.starts_with("/o/r.git/")) {
                found.push_back(request);
            }
        }
        return found;
    }

    TempDir tmp;
    FakeForge forge{FakeForgeFlavor::gitea};
};

/// The message and code of what `push` throws, or nullopt when it does not throw an Error.
std::optional<std::pair<Errc, std::string>> push_error(GitPusher& pusher) {
    try {
        pusher.push();
    } catch (const Error& e) {
        return std::pair{e.code(), std::string(e.what())};
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("GitPusher pushes the workspace HEAD to the run's branch on the forge",
          "[sidecar][push]") {
    PushFixture t;
    const std::string first = commit(t.workspace(), "first");
    GitPusher pusher(t.config());

    const auto pushed = pusher.push();

    CHECK(pushed.branch == k_branch);
    CHECK(pushed.commit == first);
    CHECK(t.forge_branch() == first);
    CHECK_FALSE(t.forge_branch("main"));
    const auto requests = t.git_requests();
    REQUIRE_FALSE(requests.empty());
    CHECK(requests.front().path == "/o/r.git/info/refs");
    CHECK(requests.front().query == "service=git-receive-pack");
    CHECK_FALSE(requests.front().headers.contains("authorization"));
    CHECK(requests.back().path == "/o/r.git/git-receive-pack");
    REQUIRE(requests.back().headers.contains("authorization"));
    CHECK_THAT(requests.back().headers.at("authorization"), Catch::StartsWith("Basic "));
    for (const auto& request : requests) {
        CHECK(request.target.find(k_token) == std::string::npos);
    }

    SECTION("and a later commit as a fast-forward") {
        const std::string second = commit(t.workspace(), "second");

        const auto again = pusher.push();

        CHECK(again.commit == second);
        CHECK(t.forge_branch() == second);
    }
}

TEST_CASE("GitPusher runs nothing the workspace configures and talks only to the forge",
          "[sidecar][push]") {
    PushFixture t;
    const std::string head = commit(t.workspace(), "work");
    const fs::path markers = t.tmp.path() / "markers";
    fs::create_directories(markers);
    FakeForge decoy(FakeForgeFlavor::gitea);
    decoy.serve_git(t.tmp.path() / "decoy.git");

    const fs::path dot_git = t.workspace() / ".git";
    const auto marker_script = [&](const std::string& name) {
        const fs::path script = markers.parent_path() / "scripts" / name;
        write_file(script, "#!/bin/sh\ntouch '" + (markers / name).string() + "'\n", true);
        return script.string();
    };
    for (const char* hook : {"pre-push", "post-checkout", "reference-transaction", "pre-receive",
                             "update", "post-receive", "post-update", "push-to-checkout",
                             "pre-auto-gc", "post-merge", "post-rewrite", "sendemail-validate"}) {
        write_file(dot_git / "hooks" / hook,
                   "#!/bin/sh\ncat > /dev/null; touch '" +
                       (markers / ("hook-" + std::string(hook))).string() + "'\n",
                   true);
    }
    const std::string forge_base = t.forge.origin() + "/";
    const std::string decoy_base = decoy.origin() + "/";
    const std::vector<std::pair<std::string, std::string>> settings{
        {"url." + decoy_base + ".insteadOf", forge_base},
        {"url." + decoy_base + ".pushInsteadOf", forge_base},
        {"credential.helper",
         "!f() { cat > '" + (markers / "credential-helper").string() + "'; }; f"},
        {"core.fsmonitor", marker_script("fsmonitor")},
        {"core.sshCommand", marker_script("ssh-command")},
        {"core.askPass", marker_script("askpass")},
        {"core.alternateRefsCommand", marker_script("alternate-refs")},
        {"uploadpack.packObjectsHook", marker_script("pack-objects-hook")},
        {"remote.origin.url", forge_base + "o/r.git"},
        {"remote.origin.pushurl", decoy_base + "o/r.git"}};
    for (const auto& [key, value] : settings) {
        git_ok(t.workspace(), {"config", key, value});
    }
    GitPusher pusher(t.config());

    const auto pushed = pusher.push();

    CHECK(pushed.commit == head);
    CHECK(t.forge_branch() == head);
    CHECK(decoy.requests().empty());
    std::vector<std::string> ran;
    for (const auto& entry : fs::directory_iterator(markers)) {
        ran.push_back(entry.path().filename().string());
    }
    CHECK(ran == std::vector<std::string>{});

    SECTION("while the same traps do catch git run in the workspace") {
        // Proves the traps are armed: naive pushes from the workspace itself go to the decoy,
        // run the hook, and (once the decoy wants a token) hand the workspace's helper the
        // request; a status runs the fsmonitor.
        run_test_git(t.workspace(),
                     {"push", "--quiet", forge_base + "o/r.git", "HEAD:refs/heads/x"});
        decoy.set_token("decoy-token");
        run_test_git(t.workspace(),
                     {"push", "--quiet", forge_base + "o/r.git", "HEAD:refs/heads/y"});
        run_test_git(t.workspace(), {"status", "--short"});

        CHECK(decoy.git_ref("refs/heads/x") == head);
        CHECK(fs::exists(markers / "hook-pre-push"));
        CHECK_THAT(read_file(markers / "credential-helper"), Catch::Contains("host=127.0.0.1"));
        CHECK(fs::exists(markers / "fsmonitor"));
        CHECK_FALSE(t.forge_branch("x"));
    }
}

TEST_CASE("GitPusher refuses a push that is not a fast-forward and never forces",
          "[sidecar][push]") {
    PushFixture t;
    const std::string first = commit(t.workspace(), "first");
    GitPusher pusher(t.config());
    REQUIRE(pusher.push().commit == first);

    SECTION("when the workspace's HEAD is unrelated history") {
        git_ok(t.workspace(), {"checkout", "--quiet", "--orphan", "elsewhere"});
        commit(t.workspace(), "unrelated");
    }
    SECTION("when the forge's branch has commits the mirror never saw") {
        const fs::path other = t.tmp.path() / "other";
        init_repo(other);
        git_ok(other, {"fetch", "--quiet", (t.workspace() / ".git").string(), "main"});
        git_ok(other, {"reset", "--quiet", "--hard", "FETCH_HEAD"});
        commit(other, "someone else's");
        git_ok(other, {"push", "--quiet", (t.tmp.path() / "forge" / "o" / "r.git").string(),
                       "HEAD:refs/heads/" + std::string(k_branch)});
        commit(t.workspace(), "diverging");
    }
    const auto before = t.forge_branch();

    const auto error = push_error(pusher);

    REQUIRE(error);
    CHECK(error->first == Errc::failure);
    CHECK_THAT(error->second, Catch::Contains("rejected") && Catch::Contains("not a fast-forward"));
    CHECK_THAT(error->second, Catch::Contains(std::string(k_branch)));
    CHECK(t.forge_branch() == before);
}

TEST_CASE("GitPusher's refusal of a forge rejection is a ForgeError carrying git's reason",
          "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    GitPusher pusher(t.config());
    pusher.push();
    git_ok(t.workspace(), {"checkout", "--quiet", "--orphan", "elsewhere"});
    commit(t.workspace(), "unrelated");

    try {
        pusher.push();
        FAIL("the push was not refused");
    } catch (const forgebot::forge::ForgeError& e) {
        CHECK_THAT(e.forge_message(), Catch::Contains("non-fast-forward"));
    }
}

TEST_CASE("GitPusher refuses a workspace whose objects may not be its own", "[sidecar][push]") {
    PushFixture t;
    const fs::path other = t.tmp.path() / "other";
    init_repo(other);
    const std::string foreign = commit(other, "not the agent's to publish");
    git_ok(other, {"gc", "--quiet"});
    const fs::path ws = t.workspace();
    std::string planted;

    SECTION(".git is a symlink") {
        planted = ".git is a symlink";
        fs::remove_all(ws / ".git");
        fs::create_directory_symlink(other / ".git", ws / ".git");
    }
    SECTION(".git is a gitdir file") {
        planted = ".git is a gitdir file";
        fs::remove_all(ws / ".git");
        write_file(ws / ".git", "gitdir: " + (other / ".git").string() + "\n");
    }
    SECTION("the object store borrows through alternates") {
        planted = "the object store borrows through alternates";
        commit(ws, "mine");
        write_file(ws / ".git" / "objects" / "info" / "alternates",
                   (other / ".git" / "objects").string() + "\n");
        git_ok(ws, {"reset", "--quiet", "--soft", foreign});
    }
    SECTION("the object store links to another repository's pack") {
        planted = "the object store links to another repository's pack";
        commit(ws, "mine");
        for (const auto& entry : fs::directory_iterator(other / ".git" / "objects" / "pack")) {
            fs::create_symlink(entry.path(),
                               ws / ".git" / "objects" / "pack" / entry.path().filename());
        }
        git_ok(ws, {"reset", "--quiet", "--soft", foreign});
    }
    SECTION("the objects directory is a symlink") {
        planted = "the objects directory is a symlink";
        fs::remove_all(ws / ".git" / "objects");
        fs::create_directory_symlink(other / ".git" / "objects", ws / ".git" / "objects");
        write_file(ws / ".git" / "HEAD", foreign + "\n");
    }
    SECTION("a commondir names another repository") {
        planted = "a commondir names another repository";
        commit(ws, "mine");
        write_file(ws / ".git" / "commondir", (other / ".git").string() + "\n");
    }
    SECTION(".git is no repository but the worktree root is one") {
        planted = ".git is no repository but the worktree root is one";
        // Without upload-pack --strict, git falls back from WORKSPACE/.git to WORKSPACE.
        fs::remove_all(ws / ".git");
        fs::create_directories(ws / ".git" / "objects");
        git_ok(t.tmp.path(), {"init", "--quiet", "--bare", ws.string()});
        write_file(ws / "objects" / "info" / "alternates",
                   (other / ".git" / "objects").string() + "\n");
        write_file(ws / "HEAD", foreign + "\n");
    }
    GitPusher pusher(t.config());

    const auto error = push_error(pusher);

    INFO("planted: " << planted);
    REQUIRE(error);
    CHECK(error->first == Errc::usage);
    CHECK_THAT(error->second, Catch::StartsWith("cannot "));
    CHECK(t.git_requests().empty());
    CHECK_FALSE(t.forge_branch());
}

TEST_CASE("GitPusher pushes the workspace's own HEAD, not a repository .git/.git names",
          "[sidecar][push]") {
    PushFixture t;
    const fs::path other = t.tmp.path() / "other";
    init_repo(other);
    const std::string foreign = commit(other, "not the agent's to publish");
    const std::string mine = commit(t.workspace(), "mine");
    write_file(t.workspace() / ".git" / ".git", "gitdir: " + (other / ".git").string() + "\n");
    GitPusher pusher(t.config());

    const auto pushed = pusher.push();

    CHECK(pushed.commit == mine);
    CHECK(t.forge_branch() == mine);
    CHECK(run_test_git(t.tmp.path() / "forge" / "o" / "r.git", {"cat-file", "-e", foreign})
              .exit_code != 0);
}

TEST_CASE("GitPusher reports a refused token as unauthorized without revealing a token",
          "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    auto config = t.config();
    const std::string wrong = "wrong-tok-77aa31-secret";
    config.token = wrong;
    GitPusher pusher(config);
    const auto started = std::chrono::steady_clock::now();

    const auto error = push_error(pusher);

    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{10});
    REQUIRE(error);
    CHECK(error->first == Errc::unauthorized);
    CHECK_THAT(error->second,
               Catch::Contains("Authentication failed") && Catch::Contains("check the token"));
    CHECK(error->second.find(wrong) == std::string::npos);
    CHECK(error->second.find(k_token) == std::string::npos);
    CHECK_FALSE(t.forge_branch());
    bool offered_credentials = false;
    for (const auto& request : t.git_requests()) {
        offered_credentials = offered_credentials || request.headers.contains("authorization");
    }
    CHECK(offered_credentials);
    CHECK(files_containing(t.mirror(), wrong).empty());
}

TEST_CASE("GitPusher leaves no trace of the token in the mirror", "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    GitPusher pusher(t.config());

    pusher.push();

    REQUIRE(fs::is_directory(t.mirror()));
    CHECK(files_containing(t.mirror(), k_token).empty());
    CHECK(files_containing(t.workspace(), k_token).empty());
    CHECK(git_ok(t.mirror(), {"config", "--list", "--local"}).find("credential") ==
          std::string::npos);
}

TEST_CASE("GitPusher reports an unreachable forge as unavailable", "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    auto config = t.config();
    std::string url;
    {
        FakeForge gone(FakeForgeFlavor::gitea);
        url = gone.origin() + "/o/r.git";
    }
    config.clone_url = [url] {
        return url;
    };
    GitPusher pusher(config);

    const auto error = push_error(pusher);

    REQUIRE(error);
    CHECK(error->first == Errc::unavailable);
    CHECK(error->second.find(k_token) == std::string::npos);
}

TEST_CASE("GitPusher gives up on a forge that does not answer in time", "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    t.forge.add_fault({.method = "GET",
                       .path = "/o/r.git/info/refs",
                       .count = 10,
                       .delay = std::chrono::seconds{20}});
    auto config = t.config();
    config.timeout = std::chrono::seconds{1};
    GitPusher pusher(config);
    const auto started = std::chrono::steady_clock::now();

    const auto error = push_error(pusher);

    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{10});
    REQUIRE(error);
    CHECK(error->first == Errc::timed_out);
    CHECK_THAT(error->second, Catch::Contains("did not finish"));
    CHECK_FALSE(t.forge_branch());
}

TEST_CASE("GitPusher refuses a clone URL that is not http(s)", "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    const fs::path marker = t.tmp.path() / "ext-ran";
    auto config = t.config();
    std::string url;
    SECTION("a local path") {
        url = (t.tmp.path() / "forge" / "o" / "r.git").string();
    }
    SECTION("a file URL") {
        url = "file://" + (t.tmp.path() / "forge" / "o" / "r.git").string();
    }
    SECTION("an ext command") {
        url = "ext::touch " + marker.string();
    }
    SECTION("ssh") {
        url = "ssh://git@127.0.0.1/o/r.git";
    }
    config.clone_url = [url] {
        return url;
    };
    GitPusher pusher(config);

    const auto error = push_error(pusher);

    REQUIRE(error);
    CHECK_THAT(error->second, Catch::Contains("not http(s)"));
    CHECK_FALSE(fs::exists(marker));
    CHECK_FALSE(t.forge_branch());
}

TEST_CASE("GitPusher refuses a push mirror inside the workspace", "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    auto config = t.config();
    config.mirror = t.workspace() / "sub" / ".." / "mirror.git";
    GitPusher pusher(config);

    const auto error = push_error(pusher);

    REQUIRE(error);
    CHECK(error->first == Errc::usage);
    CHECK_THAT(error->second, Catch::Contains("inside the workspace"));
    CHECK_FALSE(fs::exists(t.workspace() / "mirror.git"));
}

TEST_CASE("GitPusher refuses a branch name git would not accept or could read as an option",
          "[sidecar][push]") {
    PushFixture t;
    const std::vector<std::string> refused{
        "",    "-f",   "--force", "a..b", "a b",    "a:b",        "main:refs/heads/x",
        "x~1", "x^",   "a?b",     "a*b",  "a[b",    "a\\b",       "/a",
        "a/",  "a//b", ".a",      "a/.b", "a.lock", "a/b.lock/c", "a.",
        "@",   "HEAD", "a@{1}",   "a\nb", "a\tb",   "a\x7f"};
    for (const auto& name : refused) {
        INFO("branch '" << name << "'");
        CHECK_FALSE(is_valid_branch_name(name));
        try {
            GitPusher pusher(t.config(name));
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.code() == Errc::usage);
            CHECK_THAT(e.what(), Catch::Contains("not a valid branch name"));
        }
    }
    const std::vector<std::string> accepted{"forgebot/run-1", "main",        "feature/x.y", "a@b",
                                            "fix-123",        "u\xc3\xbcml", "x-",          "+x"};
    for (const auto& name : accepted) {
        INFO("branch '" << name << "'");
        CHECK(is_valid_branch_name(name));
    }
}

TEST_CASE("GitPusher's branch rules agree with git check-ref-format", "[sidecar][push]") {
    TempDir tmp;
    std::vector<std::string> names{"forgebot/run-1", "feature/x.y", "a@b", "+x", "u\xc3\xbcml"};
    const std::vector<std::string> dots{"a..b",    "a/..",   "a/./b",      ".a",       "a/.b",
                                        "x/.lock", "a.lock", "a/b.lock/c", "a.lock/b", "a."};
    const std::vector<std::string> characters{"a b",  "a:b", "x~1", "x^",   "a?b",   "a*b", "a[b",
                                              "a\\b", "/a",  "a/",  "a//b", "a@{1}", "@{x"};
    names.insert(names.end(), dots.begin(), dots.end());
    names.insert(names.end(), characters.begin(), characters.end());
    for (const auto& name : names) {
        INFO("branch '" << name << "'");
        const auto git = run_test_git(tmp.path(), {"check-ref-format", "refs/heads/" + name});
        CHECK(is_valid_branch_name(name) == (git.exit_code == 0));
    }
}

TEST_CASE("GitPusher refuses a token holding a line break", "[sidecar][push]") {
    PushFixture t;
    auto config = t.config();
    config.token = "abc\nurl=http://elsewhere";

    try {
        GitPusher pusher(config);
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::usage);
        CHECK(std::string(e.what()).find("elsewhere") == std::string::npos);
    }
}

TEST_CASE("GitPusher does not follow a redirect away from the forge", "[sidecar][push]") {
    PushFixture t;
    commit(t.workspace(), "first");
    FakeForge decoy(FakeForgeFlavor::gitea);
    decoy.serve_git(t.tmp.path() / "decoy.git");
    t.forge.add_fault(
        {.method = "GET",
         .path = "/o/r.git/info/refs",
         .count = 10,
         .status = 302,
         .headers = {
             {"Location", decoy.origin() + "/o/r.git/info/refs?service=git-receive-pack"}}});
    GitPusher pusher(t.config());

    const auto error = push_error(pusher);

    REQUIRE(error);
    CHECK(error->second.find(k_token) == std::string::npos);
    CHECK(decoy.requests().empty());
    CHECK_FALSE(decoy.git_ref("refs/heads/" + std::string(k_branch)));
}

TEST_CASE("FakeForge asks git for Basic credentials whose password is the token",
          "[sidecar][push]") {
    PushFixture t;
    const std::string head = commit(t.workspace(), "first");
    const std::string port = std::to_string(t.forge.port());

    const auto anonymous = run_test_git(
        t.workspace(), {"push", "--quiet", "http://127.0.0.1:" + port + "/o/r.git", "HEAD:main"});
    const auto wrong =
        run_test_git(t.workspace(), {"push", "--quiet",
                                     "http://u:nope@127.0.0.1:" + port + "/o/r.git", "HEAD:main"});
    const auto right = run_test_git(
        t.workspace(),
        {"push", "--quiet",
         "http://anyone:" + std::string(k_token) + "@127.0.0.1:" + port + "/o/r.git", "HEAD:main"});

    CHECK(anonymous.exit_code != 0);
    CHECK(wrong.exit_code != 0);
    CHECK_THAT(wrong.err, Catch::Contains("Authentication failed"));
    CHECK(right.exit_code == 0);
    CHECK(t.forge_branch("main") == head);
}

TEST_CASE("FakeForge serves clones, including gzip-compressed git requests", "[sidecar][push]") {
    PushFixture t;
    t.forge.set_token("");
    // Forty unrelated commits on forty branches: a clone's want lines then pass git's 1 KiB
    // threshold for compressing a request.
    RunOptions import;
    import.env = {{"GIT_CONFIG_NOSYSTEM", "1"}, { "GIT_CONFIG_GLOBAL", "/dev/null" }};
    for (int i = 0; i < 40; ++i) {
        const std::string message = "c" + std::to_string(i) + "\n";
        import.stdin_data += "commit refs/heads/topic-" + std::to_string(i) +
                             "\ncommitter t <t@t> 1700000000 +0000\ndata " +
                             std::to_string(message.size()) + "\n" + message + "\n";
    }
    REQUIRE(forgebot::testing::run_program(
                {"git", "-C", t.workspace().string(), "fast-import", "--quiet"}, import)
                .exit_code == 0);
    git_ok(t.workspace(),
           {"push", "--quiet", t.forge.origin() + "/o/r.git", "refs/heads/*:refs/heads/*"});
    const fs::path clone = t.tmp.path() / "clone";

    git_ok(t.tmp.path(),
           {"clone", "--quiet", "--mirror", t.forge.origin() + "/o/r.git", clone.string()});

    CHECK(git_ok(clone, {"rev-parse", "refs/heads/topic-39"}) ==
          git_ok(t.workspace(), {"rev-parse", "topic-39"}));
    bool gzipped = false;
    for (const auto& request : t.git_requests()) {
        const auto it = request.headers.find("content-encoding");
        gzipped = gzipped || (it != request.headers.end() && it->second == "gzip");
    }
    CHECK(gzipped);
}

TEST_CASE("FakeForge accepts a push larger than git's post buffer", "[sidecar][push]") {
    PushFixture t;
    std::mt19937 random(42);
    std::string blob(1536 * 1024, '\0');
    for (char& c : blob) {
        c = static_cast<char>(random() & 0xFFu);
    }
    write_file(t.workspace() / "blob.bin", blob);
    git_ok(t.workspace(), {"add", "blob.bin"});
    const std::string head = commit(t.workspace(), "big");
    GitPusher pusher(t.config());

    CHECK(pusher.push().commit == head);
    CHECK(t.forge_branch() == head);
    bool chunked = false;
    for (const auto& request : t.git_requests()) {
        const auto it = request.headers.find("transfer-encoding");
        chunked = chunked || (it != request.headers.end() && it->second == "chunked" &&
                              request.body.size() > 1024 * 1024);
    }
    CHECK(chunked);
}
