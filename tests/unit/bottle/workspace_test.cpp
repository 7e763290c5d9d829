// Workspaces against real temporary repositories and the fake forge's git hosting: where they
// land, what they borrow, what reaches the host, and that nothing the agent plants ever runs.
#include "bottle/workspace.hpp"
#include "fakes/fake_forge.hpp"
#include "fakes/git_repo.hpp"
#include "fakes/process.hpp"
#include "fakes/temp_dir.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sys/stat.h>

namespace fs = std::filesystem;
using forgebot::Errc;
using forgebot::Error;
using forgebot::bottle::branch_pushed;
using forgebot::bottle::copy_directory;
using forgebot::bottle::create_forge_clone;
using forgebot::bottle::create_reference_clone;
using forgebot::bottle::create_worktree;
using forgebot::bottle::fetch_back;
using forgebot::bottle::find_repository;
using forgebot::bottle::ForgeCloneSource;
using forgebot::bottle::open_repository;
using forgebot::bottle::read_branch_tip;
using forgebot::bottle::remove_workspace;
using forgebot::bottle::Workspace;
using forgebot::bottle::WorkspaceKind;
using forgebot::testing::commit;
using forgebot::testing::FakeForge;
using forgebot::testing::FakeForgeFlavor;
using forgebot::testing::files_containing;
using forgebot::testing::git_ok;
using forgebot::testing::read_file;
using forgebot::testing::run_test_git;
using forgebot::testing::RunOptions;
using forgebot::testing::RunResult;
using forgebot::testing::TempDir;
using forgebot::testing::write_file;

namespace {

constexpr std::string_view k_token = "clone-tok-8f21c07d-secret";
const std::string k_branch = "forgebot/7-c0ffee";

/// Every file below `dir` with its contents (symlinks as their targets).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        const auto name = entry.path().lexically_relative(dir).string();
        if (entry.is_symlink()) {
            files[name] = "-> " + fs::read_symlink(entry.path()).string();
        } else if (entry.is_regular_file()) {
            files[name] = read_file(entry.path());
        } else {
            files[name] = "<dir>";
        }
    }
    return files;
}

/// The names of the files in `dir` (the markers planted scripts left).
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    return names;
}

/// The code of what `action` throws, or std::nullopt when it throws no Error.
template <typename Action> std::optional<std::pair<Errc, std::string>> error_of(Action action) {
    try {
        action();
    } catch (const Error& e) {
        return std::pair{e.code(), std::string(e.what())};
    }
    return std::nullopt;
}

/// A host repository with two commits on main, and room for workspaces and markers.
struct HostFixture {
    HostFixture() {
        fs::create_directories(host());
        git_ok(host(), {"init", "--quiet", "--initial-branch=main"});
        first = commit(host(), "first");
        second = commit(host(), "second");
        fs::create_directories(markers());
    }

    fs::path host() const { return tmp.path() / "host"; }
    fs::path ws() const { return tmp.path() / "bottles" / "ws"; }
    fs::path markers() const { return tmp.path() / "markers"; }

    /// An executable script that leaves the marker `name` (and swallows its input).
    std::string marker_script(const std::string& name) const {
        const fs::path script = tmp.path() / "scripts" / name;
        write_file(script,
                   "#!/bin/sh\ncat > /dev/null 2>&1; touch '" + (markers() / name).string() + "'\n",
                   true);
        return script.string();
    }

    /// Plants every hook, as scripts leaving markers, in `hooks`.
    void plant_hooks(const fs::path& hooks) const {
        for (const char* hook :
             {"pre-commit", "post-commit", "post-checkout", "reference-transaction", "pre-receive",
              "update", "post-receive", "post-update", "pre-push", "pre-auto-gc", "post-merge",
              "post-rewrite", "push-to-checkout", "post-index-change"}) {
            write_file(hooks / hook,
                       "#!/bin/sh\ncat > /dev/null 2>&1; touch '" +
                           (markers() / ("hook-" + std::string(hook))).string() + "'\n",
                       true);
        }
    }

    /// Makes the repository whose git directory is `dot_git` hostile: hooks planted in its hooks
    /// directory and in a core.hooksPath of its own, and command-running config.
    void make_hostile(const fs::path& dot_git) const {
        plant_hooks(dot_git / "hooks");
        plant_hooks(tmp.path() / "evil-hooks");
        const std::vector<std::pair<std::string, std::string>> settings{
            {"core.hooksPath", (tmp.path() / "evil-hooks").string()},
            {"core.fsmonitor", marker_script("fsmonitor")},
            {"core.sshCommand", marker_script("ssh-command")},
            {"core.askPass", marker_script("askpass")},
            {"core.pager", marker_script("pager")},
            {"core.editor", marker_script("editor")},
            {"core.alternateRefsCommand", marker_script("alternate-refs")},
            {"uploadpack.packObjectsHook", marker_script("pack-objects-hook")},
            {"credential.helper", "!" + marker_script("credential-helper")},
            {"diff.external", marker_script("diff-external")},
            {"gpg.program", marker_script("gpg")}};
        for (const auto& [key, value] : settings) {
            git_ok(dot_git, {"config", key, value});
        }
    }

    TempDir tmp;
    std::string first;
    std::string second;
};

} // namespace

TEST_CASE("find_repository names the top level of the work tree holding a directory",
          "[bottle][workspace]") {
    HostFixture t;
    fs::create_directories(t.host() / "src" / "deep");
    fs::create_directories(t.tmp.path() / "plain");

    const auto deep = find_repository(t.host() / "src" / "deep");
    REQUIRE(deep);
    CHECK(deep->top == fs::canonical(t.host()));
    CHECK(deep->common_dir == fs::canonical(t.host()) / ".git");
    CHECK(deep->base == "HEAD");
    CHECK(deep->commit == t.second);
    const auto top = find_repository(t.host(), "main~1");
    REQUIRE(top);
    CHECK(top->top == fs::canonical(t.host()));
    CHECK(top->commit == t.first);
    CHECK_FALSE(find_repository(t.tmp.path() / "plain"));
    CHECK_FALSE(find_repository(t.tmp.path() / "missing"));
    CHECK_FALSE(find_repository(t.host() / ".git"));
}

TEST_CASE("open_repository finds the repository even when the base names no commit",
          "[bottle][workspace]") {
    HostFixture t;
    const std::string blob = git_ok(t.host(), {"rev-parse", "HEAD:notes.txt"});

    for (const std::string& base : std::vector<std::string>{"nope", "main~5", "--all", "", blob}) {
        INFO("base '" << base << "'");
        const auto host = open_repository(t.host(), base);

        CHECK(host.top == fs::canonical(t.host()));
        CHECK(host.common_dir == fs::canonical(t.host()) / ".git");
        CHECK(host.base == base);
        CHECK_FALSE(host.commit);
    }
    SECTION("and from a linked worktree names the main repository's git directory") {
        const fs::path linked = t.tmp.path() / "linked";
        git_ok(t.host(), {"worktree", "add", "--quiet", "--detach", linked.string(), "main~1"});

        const auto host = open_repository(linked, "HEAD");

        CHECK(host.top == fs::canonical(linked));
        CHECK(host.common_dir == fs::canonical(t.host()) / ".git");
        CHECK(host.commit == t.first);
    }
    SECTION("but not outside a work tree") {
        const auto error = error_of([&] { open_repository(t.markers(), "HEAD"); });

        REQUIRE(error);
        CHECK(error->first == Errc::failure);
        CHECK_THAT(error->second, Catch::StartsWith("cannot use " + t.markers().string() +
                                                    " as the repository: not a git repository"));
    }
}

TEST_CASE("create_worktree checks out a new branch at the base in a worktree of the host",
          "[bottle][workspace]") {
    HostFixture t;

    const Workspace ws = create_worktree(t.host() / ".", "main~1", k_branch, t.ws());

    CHECK(ws.kind == WorkspaceKind::worktree);
    CHECK(ws.path == fs::canonical(t.ws()));
    CHECK(ws.branch == k_branch);
    CHECK(ws.source == fs::canonical(t.host()));
    CHECK(ws.read_only_paths.empty());
    CHECK(git_ok(t.ws(), {"rev-parse", "HEAD"}) == t.first);
    CHECK(git_ok(t.ws(), {"symbolic-ref", "HEAD"}) == "refs/heads/" + k_branch);
    CHECK(read_file(t.ws() / "notes.txt") == "first\n");
    CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == t.first);
    CHECK(git_ok(t.host(), {"for-each-ref", "--format=%(upstream)", "refs/heads/" + k_branch})
              .empty());

    SECTION("and replaces a branch of that name, with the worktree it had") {
        commit(t.ws(), "stale work");
        const fs::path again = t.tmp.path() / "bottles" / "ws2";

        const Workspace fresh = create_worktree(t.host(), "main", k_branch, again);

        CHECK(git_ok(again, {"rev-parse", "HEAD"}) == t.second);
        CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == t.second);
        CHECK_FALSE(fs::exists(t.ws()));
        const std::string listed = git_ok(t.host(), {"worktree", "list", "--porcelain"});
        CHECK(listed.find(fs::canonical(again).string()) != std::string::npos);
        CHECK(listed.find("worktree " + (t.tmp.path() / "bottles" / "ws").string() + "\n") ==
              std::string::npos);
        CHECK(fresh.path == fs::canonical(again));
    }
}

TEST_CASE("create_worktree refuses a base that names no commit", "[bottle][workspace]") {
    HostFixture t;
    const std::string blob = git_ok(t.host(), {"rev-parse", "HEAD:notes.txt"});

    for (const std::string& base : std::vector<std::string>{"nope", "main~5", "--all", "", blob}) {
        INFO("base '" << base << "'");
        const auto error = error_of([&] { create_worktree(t.host(), base, k_branch, t.ws()); });

        REQUIRE(error);
        CHECK(error->first == Errc::invalid_input);
        CHECK_THAT(error->second, Catch::Contains("names no commit"));
        CHECK_FALSE(fs::exists(t.ws()));
    }
    const auto bad_branch = error_of([&] { create_worktree(t.host(), "main", "-b", t.ws()); });
    REQUIRE(bad_branch);
    CHECK(bad_branch->first == Errc::usage);
    const auto no_repo =
        error_of([&] { create_worktree(t.tmp.path() / "markers", "main", k_branch, t.ws()); });
    REQUIRE(no_repo);
    CHECK(no_repo->first == Errc::failure);
}

TEST_CASE("Workspaces are made without running the host repository's hooks",
          "[bottle][workspace]") {
    HostFixture t;
    t.plant_hooks(t.host() / ".git" / "hooks");
    git_ok(t.host(), {"config", "core.fsmonitor", t.marker_script("fsmonitor")});

    SECTION("a worktree") {
        create_worktree(t.host(), "main", k_branch, t.ws());
        CHECK(fs::exists(t.ws() / "notes.txt"));
    }
    SECTION("a reference clone") {
        create_reference_clone(t.host(), "main", k_branch, t.ws());
        CHECK(fs::exists(t.ws() / "notes.txt"));
    }
    SECTION("while a worktree added by hand does run them") {
        git_ok(t.host(), {"worktree", "add", "--quiet", "-b", "by-hand", t.ws().string()});
        CHECK(fs::exists(t.markers() / "hook-post-checkout"));
        return;
    }

    CHECK(names_in(t.markers()) == std::vector<std::string>{});
}

TEST_CASE("create_reference_clone borrows the host's objects and leaves the host untouched",
          "[bottle][workspace]") {
    HostFixture t;
    git_ok(t.host(), {"gc", "--quiet"});
    const auto before = snapshot(t.host() / ".git");
    const fs::path objects = fs::canonical(t.host() / ".git" / "objects");

    const Workspace ws = create_reference_clone(t.host(), "main~1", k_branch, t.ws());

    CHECK(snapshot(t.host() / ".git") == before);
    CHECK(ws.kind == WorkspaceKind::reference_clone);
    CHECK(ws.path == fs::canonical(t.ws()));
    CHECK(ws.source == fs::canonical(t.host()));
    CHECK(ws.read_only_paths == std::vector<fs::path>{objects});
    const fs::path dot_git = t.ws() / ".git";
    CHECK(read_file(dot_git / "objects" / "info" / "alternates") == objects.string() + "\n");
    std::vector<fs::path> own_objects;
    for (const auto& entry : fs::recursive_directory_iterator(dot_git / "objects")) {
        if (entry.is_regular_file() && entry.path().filename() != "alternates") {
            own_objects.push_back(entry.path());
        }
    }
    CHECK(own_objects == std::vector<fs::path>{});
    CHECK(git_ok(t.ws(), {"remote"}).empty());
    CHECK(git_ok(t.ws(), {"for-each-ref", "--format=%(refname)"}) == "refs/heads/" + k_branch);
    CHECK(git_ok(t.ws(), {"symbolic-ref", "HEAD"}) == "refs/heads/" + k_branch);
    CHECK(git_ok(t.ws(), {"rev-parse", "HEAD"}) == t.first);
    CHECK(git_ok(t.ws(), {"status", "--porcelain"}).empty());
    CHECK(read_file(t.ws() / "notes.txt") == "first\n");
    CHECK_FALSE(fs::exists(dot_git / "hooks"));
    std::vector<fs::path> naming_host;
    for (const auto& file : files_containing(dot_git, t.host().string())) {
        naming_host.push_back(file.lexically_relative(dot_git));
    }
    CHECK(naming_host == std::vector<fs::path>{fs::path("objects/info/alternates")});

    SECTION("works with nothing of the host visible but its object directory") {
        const fs::path hidden = t.tmp.path() / "hidden.git";
        fs::rename(t.host() / ".git", hidden);
        fs::create_directories(t.host() / ".git");
        fs::rename(hidden / "objects", objects);

        CHECK(git_ok(t.ws(), {"log", "--format=%s"}) == "first");
        const std::string mine = commit(t.ws(), "agent work");
        CHECK(git_ok(t.ws(), {"cat-file", "-t", mine}) == "commit");

        fs::rename(objects, hidden / "objects");
        fs::remove_all(t.host() / ".git");
        fs::rename(hidden, t.host() / ".git");
        CHECK(snapshot(t.host() / ".git") == before);
    }
    SECTION("and fetch_back brings the agent's commit to the host's branch") {
        const std::string mine = commit(t.ws(), "agent work");
        CHECK_FALSE(branch_pushed(ws));

        fetch_back(ws);

        CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == mine);
        CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/main"}) == t.second);
        CHECK(read_file(t.host() / ".git" / "config") == before.at("config"));
        CHECK_FALSE(fs::exists(t.host() / ".git" / "FETCH_HEAD"));

        SECTION("again after the agent rewrote its branch") {
            git_ok(t.ws(), {"reset", "--quiet", "--hard", t.first});
            const std::string rewritten = commit(t.ws(), "other work");

            fetch_back(ws);

            CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == rewritten);
        }
    }
}

TEST_CASE("fetch_back sets the host's branch without fetching when the agent did not move it",
          "[bottle][workspace]") {
    HostFixture t;
    const Workspace ws = create_reference_clone(t.host(), "main~1", k_branch, t.ws());
    const auto tip = read_branch_tip(ws);
    REQUIRE(tip == t.first);
    // Without HEAD, upload-pack cannot serve the workspace: only a fetch would fail.
    const fs::path head = t.ws() / ".git" / "HEAD";
    fs::rename(head, t.tmp.path() / "HEAD");

    SECTION("the branch is created in the host") {
        fetch_back(ws, tip);

        CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == t.first);
        CHECK(git_ok(t.host(), {"for-each-ref", "--format=%(upstream)", "refs/heads/" + k_branch})
                  .empty());
        CHECK_FALSE(fs::exists(t.host() / ".git" / "FETCH_HEAD"));
    }
    SECTION("a branch the host has elsewhere is moved, as the forced fetch would") {
        git_ok(t.host(), {"branch", "--quiet", k_branch, t.second});

        fetch_back(ws, tip);

        CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == t.first);
    }
    SECTION("a branch checked out in the host is left alone and the fetch reports it") {
        git_ok(t.host(), {"branch", "--quiet", k_branch, t.second});
        git_ok(t.host(),
               {"worktree", "add", "--quiet", (t.tmp.path() / "elsewhere").string(), k_branch});
        fs::rename(t.tmp.path() / "HEAD", head);

        const auto error = error_of([&] { fetch_back(ws, tip); });

        REQUIRE(error);
        CHECK(error->first == Errc::failure);
        CHECK_THAT(error->second, Catch::Contains("checked out"));
        CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == t.second);
    }
    SECTION("but a moved branch is fetched") {
        fs::rename(t.tmp.path() / "HEAD", head);
        const std::string mine = commit(t.ws(), "agent work");
        REQUIRE(read_branch_tip(ws) == mine);

        fetch_back(ws, tip);

        CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == mine);
        CHECK(git_ok(t.host(), {"cat-file", "-t", mine}) == "commit");
    }
}

TEST_CASE("read_branch_tip reads only a plain loose ref holding one object id",
          "[bottle][workspace]") {
    HostFixture t;
    const Workspace ws = create_reference_clone(t.host(), "main", k_branch, t.ws());
    const fs::path ref = t.ws() / ".git" / "refs" / "heads" / k_branch;
    REQUIRE(read_branch_tip(ws) == t.second);

    SECTION("not a packed ref") {
        git_ok(t.ws(), {"pack-refs", "--all"});
        REQUIRE_FALSE(fs::exists(ref));
        CHECK(git_ok(t.ws(), {"rev-parse", k_branch}) == t.second);
    }
    SECTION("not a symbolic ref") {
        write_file(ref, "ref: refs/heads/main\n");
    }
    SECTION("not an id with more after it") {
        write_file(ref, t.second + "\n" + t.first + "\n");
    }
    SECTION("not a symlink") {
        write_file(t.tmp.path() / "planted", t.second + "\n");
        fs::remove(ref);
        fs::create_symlink(t.tmp.path() / "planted", ref);
    }
    SECTION("not a FIFO, without waiting for a writer") {
        fs::remove(ref);
        REQUIRE(::mkfifo(ref.c_str(), 0600) == 0);
    }
    SECTION("not a directory") {
        fs::remove(ref);
        fs::create_directories(ref);
    }
    SECTION("not a missing one") {
        fs::remove(ref);
    }

    CHECK_FALSE(read_branch_tip(ws));
}

TEST_CASE("read_branch_tip knows only reference clones", "[bottle][workspace]") {
    HostFixture t;
    const Workspace ws = create_worktree(t.host(), "main", k_branch, t.ws());

    CHECK_FALSE(read_branch_tip(ws));
}

TEST_CASE("fetch_back, branch_pushed and remove_workspace run nothing a reference clone plants",
          "[bottle][workspace]") {
    HostFixture t;
    const Workspace ws = create_reference_clone(t.host(), "main", k_branch, t.ws());
    const std::string mine = commit(t.ws(), "agent work");
    t.make_hostile(t.ws() / ".git");

    fetch_back(ws);
    CHECK_FALSE(branch_pushed(ws));

    CHECK(git_ok(t.host(), {"rev-parse", "refs/heads/" + k_branch}) == mine);
    CHECK(names_in(t.markers()) == std::vector<std::string>{});

    SECTION("nor does remove_workspace") {
        remove_workspace(ws, false);

        CHECK_FALSE(fs::exists(t.ws()));
        CHECK(run_test_git(t.host(), {"rev-parse", "--verify", "-q", "refs/heads/" + k_branch})
                  .exit_code != 0);
        CHECK(names_in(t.markers()) == std::vector<std::string>{});
    }
    SECTION("while the same traps do catch git run in the workspace") {
        run_test_git(t.ws(), {"status", "--short"});
        run_test_git(t.ws(), {"commit", "--quiet", "--allow-empty", "-m", "x"});

        CHECK(fs::exists(t.markers() / "fsmonitor"));
        CHECK(fs::exists(t.markers() / "hook-pre-commit"));
    }
}

TEST_CASE("fetch_back refuses a reference clone that borrows objects from elsewhere",
          "[bottle][workspace]") {
    HostFixture t;
    const Workspace ws = create_reference_clone(t.host(), "main", k_branch, t.ws());
    const auto tip = read_branch_tip(ws);
    const bool moved = GENERATE(true, false);
    INFO("the agent committed: " << moved);
    if (moved) {
        commit(t.ws(), "agent work");
    }
    const fs::path other = t.tmp.path() / "other";
    fs::create_directories(other);
    git_ok(other, {"init", "--quiet"});
    const std::string foreign = commit(other, "not the agent's");
    const fs::path dot_git = t.ws() / ".git";

    SECTION("alternates naming another repository") {
        write_file(dot_git / "objects" / "info" / "alternates",
                   (fs::canonical(t.host()) / ".git" / "objects").string() + "\n" +
                       (other / ".git" / "objects").string() + "\n");
    }
    SECTION("a commondir") {
        write_file(dot_git / "commondir", (other / ".git").string() + "\n");
    }
    SECTION(".git a symlink") {
        fs::rename(dot_git, t.tmp.path() / "moved.git");
        fs::create_directory_symlink(other / ".git", dot_git);
    }
    git_ok(t.host(), {"rev-parse", "main"});

    const auto error = error_of([&] { fetch_back(ws, tip); });

    REQUIRE(error);
    CHECK(error->first == Errc::usage);
    CHECK_THAT(error->second, Catch::StartsWith("cannot fetch " + k_branch + " back"));
    CHECK(run_test_git(t.host(), {"rev-parse", "--verify", "-q", "refs/heads/" + k_branch})
              .exit_code != 0);
    CHECK(run_test_git(t.host(), {"cat-file", "-e", foreign}).exit_code != 0);
}

TEST_CASE("branch_pushed and remove_workspace run nothing a worktree's host plants",
          "[bottle][workspace]") {
    HostFixture t;
    const Workspace ws = create_worktree(t.host(), "main", k_branch, t.ws());
    commit(t.ws(), "agent work");
    t.make_hostile(t.host() / ".git");

    CHECK_FALSE(branch_pushed(ws));
    remove_workspace(ws, false);

    CHECK_FALSE(fs::exists(t.ws()));
    CHECK(names_in(t.markers()) == std::vector<std::string>{});
}

TEST_CASE("branch_pushed sees a worktree's branch in a remote-tracking ref or with an upstream",
          "[bottle][workspace]") {
    HostFixture t;
    const Workspace ws = create_worktree(t.host(), "main", k_branch, t.ws());
    const std::string mine = commit(t.ws(), "agent work");
    const fs::path remote = t.tmp.path() / "remote.git";
    git_ok(t.tmp.path(), {"init", "--quiet", "--bare", remote.string()});
    git_ok(t.host(), {"remote", "add", "origin", remote.string()});
    REQUIRE_FALSE(branch_pushed(ws));

    SECTION("pushed") {
        git_ok(t.ws(), {"push", "--quiet", "--no-verify", "origin", k_branch});
        REQUIRE(git_ok(remote, {"rev-parse", k_branch}) == mine);
        CHECK(branch_pushed(ws));
        commit(t.ws(), "more work");
        CHECK_FALSE(branch_pushed(ws));
    }
    SECTION("pushed under another name") {
        git_ok(t.ws(), {"push", "--quiet", "--no-verify", "origin", "HEAD:refs/heads/elsewhere"});
        CHECK(branch_pushed(ws));
    }
    SECTION("given an upstream") {
        git_ok(t.host(), {"push", "--quiet", "--no-verify", "origin", "main"});
        git_ok(t.ws(), {"branch", "--set-upstream-to=origin/main"});
        CHECK(branch_pushed(ws));
    }
}

TEST_CASE("remove_workspace removes the workspace and, unless kept, its branch",
          "[bottle][workspace]") {
    HostFixture t;
    const bool keep = GENERATE(false, true);
    INFO("keep_branch " << keep);

    SECTION("a worktree") {
        const Workspace ws = create_worktree(t.host(), "main", k_branch, t.ws());
        write_file(t.ws() / "untracked.txt", "left behind\n");
        git_ok(t.host(), {"worktree", "lock", t.ws().string()});

        remove_workspace(ws, keep);

        CHECK_FALSE(fs::exists(t.ws()));
        CHECK(git_ok(t.host(), {"worktree", "list", "--porcelain"}).find(t.ws().string()) ==
              std::string::npos);
        CHECK((run_test_git(t.host(), {"rev-parse", "--verify", "-q", "refs/heads/" + k_branch})
                   .exit_code == 0) == keep);
        CHECK_NOTHROW(remove_workspace(ws, keep));
    }
    SECTION("a worktree whose .git file was deleted") {
        const Workspace ws = create_worktree(t.host(), "main", k_branch, t.ws());
        fs::remove(t.ws() / ".git");

        remove_workspace(ws, keep);

        CHECK_FALSE(fs::exists(t.ws()));
        CHECK(git_ok(t.host(), {"worktree", "list", "--porcelain"}).find(t.ws().string()) ==
              std::string::npos);
    }
    SECTION("a reference clone fetched back") {
        const Workspace ws = create_reference_clone(t.host(), "main", k_branch, t.ws());
        commit(t.ws(), "agent work");
        fetch_back(ws);
        fs::permissions(t.ws() / ".git" / "objects", fs::perms::owner_write,
                        fs::perm_options::remove);

        remove_workspace(ws, keep);

        CHECK_FALSE(fs::exists(t.ws()));
        CHECK((run_test_git(t.host(), {"rev-parse", "--verify", "-q", "refs/heads/" + k_branch})
                   .exit_code == 0) == keep);
        CHECK(git_ok(t.host(), {"rev-parse", "main"}) == t.second);
        CHECK_NOTHROW(remove_workspace(ws, keep));
    }
}

TEST_CASE("remove_workspace deletes a copy but never the directory it was copied from",
          "[bottle][workspace]") {
    TempDir tmp;
    const fs::path from = tmp.path() / "plain";
    write_file(from / "a.txt", "a\n");
    const fs::path to = tmp.path() / "bottles" / "copy";

    SECTION("the copy") {
        const Workspace ws = copy_directory(from, to);

        remove_workspace(ws, false);

        CHECK_FALSE(fs::exists(to));
        CHECK(read_file(from / "a.txt") == "a\n");
        CHECK_NOTHROW(remove_workspace(ws, false));
    }
    SECTION("not a workspace path holding its source") {
        const Workspace ws{WorkspaceKind::copy, tmp.path(), "", from, {}};

        const auto error = error_of([&] { remove_workspace(ws, false); });

        REQUIRE(error);
        CHECK(error->first == Errc::failure);
        CHECK(read_file(from / "a.txt") == "a\n");
    }
}

TEST_CASE("copy_directory copies a directory with its symlinks as symlinks",
          "[bottle][workspace]") {
    TempDir tmp;
    const fs::path from = tmp.path() / "plain";
    write_file(from / "a.txt", "a\n");
    write_file(from / "sub" / "b.txt", "b\n", true);
    fs::create_symlink("a.txt", from / "link");
    fs::create_symlink("/nonexistent/target", from / "dangling");
    const fs::path to = tmp.path() / "bottles" / "copy";

    const Workspace ws = copy_directory(from, to);

    CHECK(ws.kind == WorkspaceKind::copy);
    CHECK(ws.path == fs::canonical(to));
    CHECK(ws.source == fs::canonical(from));
    CHECK(ws.branch.empty());
    CHECK(read_file(to / "a.txt") == "a\n");
    CHECK(read_file(to / "sub" / "b.txt") == "b\n");
    CHECK(fs::is_symlink(to / "link"));
    CHECK(fs::read_symlink(to / "link") == "a.txt");
    CHECK(fs::read_symlink(to / "dangling") == "/nonexistent/target");
    CHECK_FALSE(branch_pushed(ws));
    fetch_back(ws);

    SECTION("but not onto a directory that is not empty") {
        const auto error = error_of([&] { copy_directory(from, to); });
        REQUIRE(error);
        CHECK(error->first == Errc::io);
        CHECK_THAT(error->second, Catch::Contains("not an empty directory"));
    }
    SECTION("nor into itself") {
        const auto error = error_of([&] { copy_directory(from, from / "inner"); });
        REQUIRE(error);
        CHECK(error->first == Errc::io);
        CHECK_FALSE(fs::exists(from / "inner"));
    }
}

TEST_CASE("create_forge_clone clones the forge repository with a token it never stores",
          "[bottle][workspace]") {
    TempDir tmp;
    FakeForge forge(FakeForgeFlavor::gitea);
    forge.set_token(std::string(k_token));
    const fs::path bare = tmp.path() / "forge" / "o" / "r.git";
    forge.serve_git(bare);
    const fs::path seed = tmp.path() / "seed";
    fs::create_directories(seed);
    git_ok(seed, {"init", "--quiet", "--initial-branch=main"});
    const std::string main_tip = commit(seed, "on main");
    git_ok(seed, {"checkout", "--quiet", "-b", "dev"});
    const std::string dev_tip = commit(seed, "on dev");
    git_ok(seed, {"push", "--quiet", bare.string(), "main", "dev"});
    git_ok(seed, {"tag", "v1"});
    git_ok(seed, {"push", "--quiet", bare.string(), "v1"});
    const fs::path ws_path = tmp.path() / "bottles" / "ws";
    ForgeCloneSource source;
    source.clone_url = forge.origin() + "/o/r.git";
    source.token = std::string(k_token);

    SECTION("from the default branch") {
        const Workspace ws = create_forge_clone(source, k_branch, ws_path);

        CHECK(ws.kind == WorkspaceKind::forge_clone);
        CHECK(ws.path == fs::canonical(ws_path));
        CHECK(ws.source.empty());
        CHECK(git_ok(ws_path, {"rev-parse", "HEAD"}) == main_tip);
        CHECK(git_ok(ws_path, {"symbolic-ref", "HEAD"}) == "refs/heads/" + k_branch);
        CHECK(git_ok(ws_path, {"config", "remote.origin.url"}) == source.clone_url);
        CHECK(git_ok(ws_path, {"tag"}).empty());
        CHECK(files_containing(ws_path, k_token).empty());
        CHECK(read_file(ws_path / ".git" / "config").find(k_token) == std::string::npos);
        bool offered_credentials = false;
        for (const auto& request : forge.requests()) {
            offered_credentials = offered_credentials || request.headers.contains("authorization");
            CHECK(request.target.find(k_token) == std::string::npos);
        }
        CHECK(offered_credentials);

        CHECK_FALSE(branch_pushed(ws));
        git_ok(ws_path, {"update-ref", "refs/remotes/origin/" + k_branch, "HEAD"});
        CHECK(branch_pushed(ws));

        remove_workspace(ws, false);
        CHECK_FALSE(fs::exists(ws_path));
    }
    SECTION("from a named base") {
        source.base = "dev";

        create_forge_clone(source, k_branch, ws_path);

        CHECK(git_ok(ws_path, {"rev-parse", "HEAD"}) == dev_tip);
    }
    SECTION("refusing a base the forge does not have") {
        source.base = "nope";

        const auto error = error_of([&] { create_forge_clone(source, k_branch, ws_path); });

        REQUIRE(error);
        CHECK(error->first == Errc::invalid_input);
        CHECK_FALSE(fs::exists(ws_path / ".git"));
    }
}

TEST_CASE("create_forge_clone reports a refused token, an unreachable forge and a bad URL",
          "[bottle][workspace]") {
    TempDir tmp;
    FakeForge forge(FakeForgeFlavor::gitea);
    forge.set_token(std::string(k_token));
    forge.serve_git(tmp.path() / "forge" / "o" / "r.git");
    const fs::path ws_path = tmp.path() / "bottles" / "ws";
    ForgeCloneSource source;
    source.clone_url = forge.origin() + "/o/r.git";
    const std::string wrong = "wrong-tok-44b1e9-secret";
    source.token = wrong;
    Errc expected = Errc::unauthorized;

    SECTION("a wrong token") {}
    SECTION("a closed port") {
        std::string url;
        {
            FakeForge gone(FakeForgeFlavor::gitea);
            url = gone.origin() + "/o/r.git";
        }
        source.clone_url = url;
        expected = Errc::unavailable;
    }
    SECTION("a URL that is not http(s)") {
        source.clone_url = "ext::touch " + (tmp.path() / "ext-ran").string();
        expected = Errc::usage;
    }
    SECTION("a file URL") {
        source.clone_url = "file://" + (tmp.path() / "forge" / "o" / "r.git").string();
        expected = Errc::usage;
    }
    SECTION("a URL carrying credentials") {
        source.clone_url = "http://x:" + wrong + "@" + forge.origin().substr(7) + "/o/r.git";
        expected = Errc::usage;
    }
    const auto started = std::chrono::steady_clock::now();

    const auto error = error_of([&] { create_forge_clone(source, k_branch, ws_path); });

    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{10});
    REQUIRE(error);
    CHECK(error->first == expected);
    CHECK(error->second.find(wrong) == std::string::npos);
    CHECK(error->second.find(k_token) == std::string::npos);
    CHECK_FALSE(fs::exists(ws_path / ".git"));
    CHECK_FALSE(fs::exists(tmp.path() / "ext-ran"));
}
