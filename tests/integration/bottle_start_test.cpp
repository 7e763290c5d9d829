// forgebot start / resume end to end with the fake claude and codex, process backend: session
// ids, resume argv, the exact usage errors, failure and timeout exit statuses.
#include "integration/bottle_fixture.hpp"
#include "util/child.hpp"

#include <csignal>
#include <thread>

using namespace forgebot::testing;
using nlohmann::json;

TEST_CASE("start --headless runs claude in a worktree and records its session", "[bottle][start]") {
    BottleFixture f;
    const auto r = f.forgebot({"start", "claude", "--headless", "--backend", "process", "--prompt",
                               "edit=fix.txt commit please"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    const auto identity = ended_identity(r.err);
    CHECK(identity.starts_with("claude-"));
    CHECK(identity.size() == std::string("claude-").size() + 5);

    const auto records = f.records(identity);
    REQUIRE(records.size() == 1);
    const std::string session = records[0]["session"];
    CHECK(r.err.find("session " + identity + " ended (exit 0, provider session " + session +
                     ", cost $0.0123); resume with: forgebot resume " + identity +
                     " --headless --prompt '...'") != std::string::npos);
    CHECK(records[0]["argv"][1] == "-p");
    CHECK(records[0]["prompt"] == "edit=fix.txt commit please");
    CHECK(records[0]["probes"]["commit"] == 0);

    const auto shown = f.show(identity);
    CHECK(shown["status"] == "exited");
    CHECK(shown["provider_session"] == session);
    CHECK(shown["exit_code"] == 0);
    CHECK(shown["backend"] == "process");
    CHECK(shown["branch"] == "forgebot/" + identity);
    CHECK(shown["workspace_kind"] == "worktree");
    CHECK(shown["result"]["cost_usd"] == 0.0123);

    // The agent's commit is on its branch in the host repository.
    CHECK(git_line({"-C", f.repo.string(), "log", "-1", "--format=%s", "forgebot/" + identity}) ==
          "fake agent commit");
    // The environment is the allowlist.
    const auto& env = records[0]["env"];
    CHECK(env["HOME"] == (f.bottle_dir(identity) / "home").string());
    CHECK(env["FORGEBOT_IDENTITY"] == identity);
    CHECK(!env.contains("FORGEBOT_HOME"));
    CHECK(!env.contains("XDG_CONFIG_HOME"));
    CHECK(!env.contains("GIT_CONFIG_GLOBAL"));
    // The transcript holds the raw stream; the agent's stderr went to agent.log.
    CHECK(read_file(f.bottle_dir(identity) / "transcript.jsonl").find("\"type\":\"result\"") !=
          std::string::npos);
}

TEST_CASE("resume continues the claude session with --resume=ID", "[bottle][resume]") {
    BottleFixture f;
    const auto first =
        f.forgebot({"start", "claude", "--headless", "--backend", "process", "--prompt", "one"});
    REQUIRE(first.exit_code == 0);
    const auto identity = ended_identity(first.err);
    const std::string session = f.records(identity)[0]["session"];

    const auto second =
        f.forgebot({"resume", identity, "--headless", "--prompt", "--address the review"});
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(second.out.empty());
    const auto records = f.records(identity);
    REQUIRE(records.size() == 2);
    const auto argv = records[1]["argv"].get<std::vector<std::string>>();
    CHECK(std::find(argv.begin(), argv.end(), "--resume=" + session) != argv.end());
    CHECK(argv.back() == "--address the review");
    CHECK(argv[argv.size() - 2] == "--");
    CHECK(records[1]["session"] == session);
    CHECK(f.show(identity)["status"] == "exited");
}

TEST_CASE("resume continues the codex thread with exec --json resume ID PROMPT",
          "[bottle][resume]") {
    BottleFixture f;
    const auto first =
        f.forgebot({"start", "codex", "--headless", "--backend", "process", "--prompt", "one"});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    const auto identity = ended_identity(first.err);
    const std::string thread = f.records(identity)[0]["session"];
    CHECK(f.show(identity)["provider_session"] == thread);

    const auto second = f.forgebot({"resume", identity, "--headless", "--prompt", "two"});
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    const auto argv = f.records(identity)[1]["argv"].get<std::vector<std::string>>();
    const std::vector<std::string> tail(argv.begin() + 1, argv.end());
    CHECK(tail == std::vector<std::string>{"exec", "--json", "--sandbox", "workspace-write",
                                           "resume", "--", thread, "two"});
}

TEST_CASE("resume validates --headless and --prompt exactly and launches nothing",
          "[bottle][resume]") {
    BottleFixture f;
    const auto first =
        f.forgebot({"start", "claude", "--headless", "--backend", "process", "--prompt", "one"});
    REQUIRE(first.exit_code == 0);
    const auto identity = ended_identity(first.err);

    SECTION("--headless without --prompt") {
        const auto r = f.forgebot({"resume", identity, "--headless"});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "forgebot: error: --headless requires --prompt: forgebot resume " +
                           identity + " --headless --prompt 'Address the review'\n");
    }
    SECTION("--prompt without --headless") {
        const auto r = f.forgebot({"resume", identity, "--prompt", "x"});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "forgebot: error: --prompt is only valid with --headless\n");
    }
    SECTION("--headless --prompt passes assume-yes and the prompt") {
        const auto r = f.forgebot({"resume", identity, "--headless", "--prompt", "go on"});
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("Proceed?") == std::string::npos);
        REQUIRE(f.records(identity).size() == 2);
        CHECK(f.records(identity)[1]["prompt"] == "go on");
        return;
    }
    SECTION("interactive resume asks, then runs the interactive form unchanged") {
        const auto r = f.forgebot({"resume", identity}, "y\n");
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("Proceed? [y/N]") != std::string::npos);
        const auto records = f.records(identity);
        REQUIRE(records.size() == 2);
        const auto& record = records[1];
        CHECK(record["mode"] == "interactive");
        const auto argv = record["argv"].get<std::vector<std::string>>();
        CHECK(std::find(argv.begin(), argv.end(), "-p") == argv.end());
        CHECK(std::find(argv.begin(), argv.end(), "--") == argv.end());
        return;
    }
    CHECK(f.records(identity).size() == 1);
}

TEST_CASE("resume refuses unknown, destroyed and running bottles", "[bottle][resume]") {
    BottleFixture f;
    const auto unknown = f.forgebot({"resume", "claude-aaaaa", "--headless", "--prompt", "x"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("forgebot: error: no bottle named claude-aaaaa") == 0);

    const auto first =
        f.forgebot({"start", "claude", "--headless", "--backend", "process", "--prompt", "one"});
    REQUIRE(first.exit_code == 0);
    const auto identity = ended_identity(first.err);
    REQUIRE(f.forgebot({"destroy", identity}).exit_code == 0);
    const auto destroyed = f.forgebot({"resume", identity, "--headless", "--prompt", "x"});
    CHECK(destroyed.exit_code == 2);
    CHECK(destroyed.err.find("is destroyed") != std::string::npos);
    CHECK(f.records(identity).size() <= 1);
}

TEST_CASE("a result with is_error exits 4 even though the agent exits 0", "[bottle][start]") {
    BottleFixture f;
    const auto r =
        f.forgebot({"start", "claude", "--headless", "--backend", "process", "--prompt", "fail"});
    CHECK(r.exit_code == 4);
    const auto identity = ended_identity(r.err);
    CHECK(f.show(identity)["status"] == "failed");
    CHECK(f.show(identity)["exit_code"] == 4);

    const auto codex =
        f.forgebot({"start", "codex", "--headless", "--backend", "process", "--prompt", "fail"});
    CHECK(codex.exit_code == 4);
}

TEST_CASE("the agent's own exit status is forgebot's", "[bottle][start]") {
    BottleFixture f;
    const auto r =
        f.forgebot({"start", "codex", "--headless", "--backend", "process", "--prompt", "exit=3"});
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
}

TEST_CASE("a timeout stops the agent and its grandchildren and exits 124", "[bottle][timeout]") {
    BottleFixture f;
    const auto r = f.forgebot({"start", "claude", "--headless", "--backend", "process", "--timeout",
                               "1s", "--prompt", "grandchild sleep=60"});
    CHECK(r.exit_code == 124);
    const auto identity = ended_identity(r.err);
    CHECK(f.show(identity)["status"] == "timed_out");
    const auto records = f.records(identity);
    REQUIRE(records.size() == 1);
    const auto agent = records[0]["pid"].get<int>();
    const auto grandchild = records[0]["probes"]["grandchild_pid"].get<int>();
    // Both were killed; give the kernel a moment to reap the orphan.
    for (int i = 0; i < 50 && forgebot::util::process_alive(grandchild); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK_FALSE(forgebot::util::process_alive(agent));
    CHECK_FALSE(forgebot::util::process_alive(grandchild));
}

TEST_CASE("A dry run prints the plan with variable names only and creates nothing",
          "[bottle][start]") {
    BottleFixture f;
    auto options = f.options();
    options.env["ANTHROPIC_API_KEY"] = "sk-secret-value-123";
    const auto r = run_forgebot(
        {"start", "claude", "--headless", "--backend", "process", "--dry-run", "--prompt", "hello"},
        options);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("command:   ") != std::string::npos);
    CHECK(r.out.find("/claude -p --output-format stream-json --verbose") != std::string::npos);
    CHECK(r.out.find("ANTHROPIC_API_KEY") != std::string::npos);
    CHECK(r.out.find("sk-secret-value-123") == std::string::npos);
    CHECK(r.out.find("workspace: ") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(f.home));
    CHECK(git_line({"-C", f.repo.string(), "branch", "--list", "forgebot/*"}).empty());
}

TEST_CASE("interactive start asks first and a no creates nothing", "[bottle][start]") {
    BottleFixture f;
    const auto r = f.forgebot({"start", "claude", "--backend", "process"}, "n\n");
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("Proceed? [y/N]") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(f.home / "bottles"));

    const auto yes = f.forgebot({"start", "claude", "--backend", "process"}, "y\n");
    INFO(yes.err);
    CHECK(yes.exit_code == 0);
    const auto identity = f.newest();
    const auto records = f.records(identity);
    REQUIRE(records.size() == 1);
    CHECK(records[0]["mode"] == "interactive");
    // claude's session is chosen in advance so that an interactive run can be resumed.
    CHECK(f.show(identity)["provider_session"] == records[0]["session"]);
}

TEST_CASE("start outside a git repository says what to do", "[bottle][start]") {
    BottleFixture f;
    auto options = f.options();
    options.cwd = f.user_home.string();
    const auto r = run_forgebot(
        {"start", "claude", "--headless", "--backend", "process", "--prompt", "x"}, options);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is not in a git repository; pass --repo PATH, or --copy") !=
          std::string::npos);

    const auto copied = run_forgebot({"start", "claude", "--headless", "--backend", "process",
                                      "--copy", "--prompt", "edit=new.txt"},
                                     options);
    INFO(copied.err);
    CHECK(copied.exit_code == 0);
    const auto identity = ended_identity(copied.err);
    CHECK(std::filesystem::exists(f.bottle_dir(identity) / "workspace" / "secret.txt"));
    CHECK(std::filesystem::exists(f.bottle_dir(identity) / "workspace" / "new.txt"));
    CHECK_FALSE(std::filesystem::exists(f.user_home / "new.txt"));
}

TEST_CASE("list, show, logs, freeze and destroy", "[bottle][commands]") {
    BottleFixture f;
    const auto r = f.forgebot(
        {"start", "claude", "--headless", "--backend", "process", "--prompt", "edit=a.txt commit"});
    REQUIRE(r.exit_code == 0);
    const auto identity = ended_identity(r.err);

    const auto list = f.forgebot({"list"});
    CHECK(list.out.find("IDENTITY") == 0);
    CHECK(list.out.find(identity) != std::string::npos);
    const auto listed = json::parse(f.forgebot({"list", "--json"}).out);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["identity"] == identity);

    const auto logs = f.forgebot({"logs", identity});
    CHECK(logs.exit_code == 0);
    CHECK(logs.out.find("session ") == 0);
    CHECK(logs.out.find("result: success") != std::string::npos);

    const auto show = f.forgebot({"show", identity});
    CHECK(show.out.find("status: exited") != std::string::npos);
    const auto typo = f.forgebot({"show", identity.substr(0, identity.size() - 1) + "9"});
    CHECK(typo.exit_code == 1);
    CHECK(typo.err.find("did you mean " + identity) != std::string::npos);

    CHECK(f.forgebot({"freeze", identity}).exit_code == 0);
    CHECK(f.show(identity)["status"] == "frozen");

    const auto branch = "forgebot/" + identity;
    REQUIRE(!git_line({"-C", f.repo.string(), "branch", "--list", branch}).empty());
    const auto destroyed = f.forgebot({"destroy", identity});
    INFO(destroyed.err);
    CHECK(destroyed.exit_code == 0);
    CHECK(f.show(identity)["status"] == "destroyed");
    CHECK_FALSE(std::filesystem::exists(f.bottle_dir(identity) / "workspace"));
    CHECK(git_line({"-C", f.repo.string(), "branch", "--list", branch}).empty());
    CHECK(git_line({"-C", f.repo.string(), "worktree", "list", "--porcelain"}).find(identity) ==
          std::string::npos);
    // The transcript stays for the record.
    CHECK(std::filesystem::exists(f.bottle_dir(identity) / "transcript.jsonl"));
}

TEST_CASE("freeze stops a running bottle and the session keeps the frozen state",
          "[bottle][commands]") {
    BottleFixture f;
    forgebot::testing::RunOptions options = f.options();
    std::optional<RunResult> result;
    std::thread runner([&] {
        result = run_forgebot(
            {"start", "claude", "--headless", "--backend", "process", "--prompt", "sleep=60"},
            options);
    });
    std::string identity;
    for (int i = 0; i < 250 && identity.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(40));
        const auto list = f.forgebot({"list", "-q"});
        if (!list.out.empty() && f.records(list.out.substr(0, list.out.find('\n'))).size() == 1) {
            identity = list.out.substr(0, list.out.find('\n'));
        }
    }
    REQUIRE(!identity.empty());
    CHECK(f.show(identity)["running"] == true);
    const auto again = f.forgebot({"resume", identity, "--headless", "--prompt", "x"});
    CHECK(again.exit_code == 2);
    CHECK(again.err.find("is already running") != std::string::npos);
    CHECK(f.forgebot({"freeze", identity}).exit_code == 0);
    runner.join();
    REQUIRE(result);
    CHECK(result->exit_code != 0);
    CHECK(f.show(identity)["status"] == "frozen");
    CHECK(f.show(identity)["running"] == false);
}

TEST_CASE("resume without a recorded session starts afresh with the previous result",
          "[bottle][resume]") {
    BottleFixture f;
    std::filesystem::create_directories(f.config / "forgebot" / "agents");
    std::ofstream(f.config / "forgebot" / "agents" / "echo.toml")
        << "provider = \"command\"\n"
        << "command = [\"sh\", \"-c\", \"printf '%s\\\\n' \\\"$1\\\" >> prompts.log; "
           "printf 'did: %s\\\\n' \\\"$1\\\"\", \"sh\", \"{prompt}\"]\n";
    const auto first =
        f.forgebot({"start", "echo", "--headless", "--backend", "process", "--prompt", "first"});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    const auto identity = ended_identity(first.err);
    CHECK(first.err.find("did: first") != std::string::npos);
    CHECK(f.show(identity)["provider_session"].is_null());

    const auto second = f.forgebot({"resume", identity, "--headless", "--prompt", "second"});
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(read_file(f.bottle_dir(identity) / "workspace" / "prompts.log") ==
          "first\nThe previous session in this workspace ended with:\ndid: first\n\nsecond\n");
    const auto logs = f.forgebot({"logs", identity});
    CHECK(logs.out.find("did: first\n") == 0);
}
