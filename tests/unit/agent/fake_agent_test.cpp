// Tests of the fake claude and codex executables (tests/fake_agents): forgebot's own argv
// builders start them and its own stream parsers read what they print.
#include "agent/provider.hpp"
#include "fakes/fake_agents.hpp"
#include "fakes/temp_dir.hpp"
#include "unit/agent/agent_test_support.hpp"
#include "util/process.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <sys/types.h>

using forgebot::agent::AgentEvent;
using forgebot::agent::make_claude_provider;
using forgebot::agent::make_codex_provider;
using forgebot::agent::Provider;
using forgebot::agent::RunRequest;
using forgebot::agent::StreamParser;
using forgebot::testing::fake_agent_records;
using forgebot::testing::fake_bin_dir;
using forgebot::testing::parse_in_chunks;
using forgebot::testing::read_text;
using forgebot::testing::TempDir;
using forgebot::testing::write_text;
using forgebot::util::ProcessOptions;
using forgebot::util::ProcessResult;
using forgebot::util::run_process;
using Argv = std::vector<std::string>;
using nlohmann::json;

namespace {

/// What one run of a fake printed, how it exited, and what forgebot's parser made of it.
struct FakeRun {
    ProcessResult process;
    std::unique_ptr<StreamParser> parser;
    std::vector<AgentEvent> events;
};

/// Runs `argv` (as a provider built it) with the fake of the same name as argv[0], HOME set to
/// `home`, and parses its stdout with `provider`'s parser.
FakeRun run_fake(const Provider& provider, Argv argv, const std::filesystem::path& home,
                 const std::optional<std::filesystem::path>& cwd = std::nullopt,
                 std::string stdin_data = {}) {
    argv.front() = (fake_bin_dir() / argv.front()).string();
    ProcessOptions options;
    options.env["HOME"] = home.string();
    options.env["PATH"] = forgebot::testing::path_with_fakes();
    options.stdin_data = std::move(stdin_data);
    if (cwd) {
        options.cwd = cwd->string();
    }
    options.timeout = std::chrono::seconds(10);
    FakeRun run{run_process(argv, options), provider.parser(), {}};
    run.events = parse_in_chunks(*run.parser, run.process.out, 0);
    return run;
}

/// A request as a manifest would make it, with `prompt`.
RunRequest request_for(const std::string& prompt) {
    RunRequest request;
    request.prompt = prompt;
    request.workspace = "/nonexistent/workspace";
    request.model = "fake-model-1";
    request.allowed_tools = {"Read", "Edit", "Bash(git diff:*)"};
    request.extra_args = {};
    return request;
}

/// argv without argv[0], which run_fake replaces by the fake's path.
Argv tail(const Argv& argv) {
    return {argv.begin() + 1, argv.end()};
}

Argv tail(const json& argv) {
    return tail(argv.get<Argv>());
}

/// The only record in `home`.
json only_record(const std::filesystem::path& home) {
    const auto records = fake_agent_records(home);
    REQUIRE(records.size() == 1);
    return records.front();
}

} // namespace

TEST_CASE("fake claude prints a stream that forgebot's claude parser reads", "[agent][fake]") {
    const TempDir home;
    const auto provider = make_claude_provider();
    RunRequest request = request_for("--say hello, then stop");
    request.extra_args = {"--max-turns", "3"};
    request.mcp_config = home.path() / "mcp.json";
    write_text(*request.mcp_config,
               R"({"mcpServers":{"forgebot":{"command":"forgebot","args":["mcp"]}}})");
    const Argv argv = provider->start_argv(request);

    const FakeRun run = run_fake(*provider, argv, home.path());
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    CHECK(run.parser->complete());
    CHECK_FALSE(run.parser->failed());
    REQUIRE(run.parser->session_id());
    CHECK(run.parser->session_id()->size() == 36);
    CHECK(run.parser->summary().cost_usd == Approx(0.0123));
    CHECK(run.parser->summary().num_turns == 1);
    CHECK(run.parser->summary().result == "fake claude: nothing to do");
    REQUIRE(run.parser->summary().usage);
    CHECK(run.parser->summary().usage->input_tokens == 11);

    const json record = only_record(home.path());
    CHECK(record["provider"] == "claude");
    CHECK(tail(record["argv"]) == tail(argv));
    CHECK(record["env"]["HOME"] == home.path().string());
    CHECK(record["mode"] == "headless");
    CHECK(record["session"] == *run.parser->session_id());
    CHECK(record["resumed"] == false);
    CHECK(record["prompt"] == request.prompt);
    CHECK(record["mcp_servers"] == json::array({{{"name", "forgebot"}, {"status", "connected"}}}));
}

TEST_CASE("fake claude reuses a resumed session, takes --session-id, and runs interactively",
          "[agent][fake]") {
    const TempDir home;
    const auto provider = make_claude_provider();
    const std::string id = "5f0c2b7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f";

    const FakeRun resumed =
        run_fake(*provider, provider->resume_argv(request_for("more"), id), home.path());
    CHECK(resumed.process.exit_code == 0);
    CHECK(resumed.parser->session_id() == id);

    RunRequest chosen = request_for("hello");
    chosen.session_id = id;
    const FakeRun fresh = run_fake(*provider, provider->start_argv(chosen), home.path());
    CHECK(fresh.process.exit_code == 0);
    CHECK(fresh.parser->session_id() == id);

    RunRequest interactive_request = request_for("");
    interactive_request.interactive = true;
    interactive_request.session_id = id;
    const FakeRun interactive =
        run_fake(*provider, provider->start_argv(interactive_request), home.path());
    CHECK(interactive.process.exit_code == 0);
    CHECK(interactive.process.out == "fake claude: interactive session " + id + "\n");

    const auto records = fake_agent_records(home.path());
    REQUIRE(records.size() == 3);
    CHECK(records[0]["resumed"] == true);
    CHECK(records[1]["resumed"] == false);
    CHECK(records[2]["mode"] == "interactive");
    CHECK(records[2]["resumed"] == false);
    CHECK(records[2]["session"] == id);
    CHECK(records[2]["prompt"] == "");
}

TEST_CASE("fake codex prints a stream that forgebot's codex parser reads, and resumes",
          "[agent][fake]") {
    const TempDir home;
    const auto provider = make_codex_provider();
    const FakeRun started =
        run_fake(*provider, provider->start_argv(request_for("-begin")), home.path());
    INFO(started.process.err);
    CHECK(started.process.exit_code == 0);
    CHECK(started.parser->complete());
    CHECK_FALSE(started.parser->failed());
    REQUIRE(started.parser->session_id());
    CHECK(started.parser->summary().result == "fake codex: nothing to do");
    REQUIRE(started.parser->summary().usage);
    CHECK(started.parser->summary().usage->output_tokens == 7);

    const std::string thread = *started.parser->session_id();
    const Argv resume_argv = provider->resume_argv(request_for("continue"), thread);
    REQUIRE(tail(resume_argv) == Argv{"exec", "--json", "--sandbox", "workspace-write", "--model",
                                      "fake-model-1", "resume", "--", thread, "continue"});
    const FakeRun resumed = run_fake(*provider, resume_argv, home.path());
    CHECK(resumed.process.exit_code == 0);
    CHECK(resumed.parser->session_id() == thread);

    RunRequest interactive_request = request_for("");
    interactive_request.interactive = true;
    const FakeRun interactive =
        run_fake(*provider, provider->resume_argv(interactive_request, thread), home.path());
    CHECK(interactive.process.exit_code == 0);
    CHECK(interactive.process.out == "fake codex: interactive session " + thread + "\n");

    const auto records = fake_agent_records(home.path());
    REQUIRE(records.size() == 3);
    CHECK(records[2]["mode"] == "interactive");
    CHECK(records[2]["resumed"] == true);
    CHECK(records[0]["session"] == thread);
    CHECK(records[0]["resumed"] == false);
    CHECK(records[0]["prompt"] == "-begin");
    CHECK(records[1]["resumed"] == true);
    CHECK(records[1]["prompt"] == "continue");
    CHECK(records[1]["env"]["HOME"] == home.path().string());
}

TEST_CASE("fake agents report failure on fail and exit with the status exit= asks for",
          "[agent][fake]") {
    const TempDir home;
    for (const auto& provider : {make_claude_provider(), make_codex_provider()}) {
        const FakeRun failed =
            run_fake(*provider, provider->start_argv(request_for("please fail")), home.path());
        CHECK(failed.process.exit_code == 0);
        CHECK(failed.parser->complete());
        CHECK(failed.parser->failed());

        const FakeRun three =
            run_fake(*provider, provider->start_argv(request_for("exit=3")), home.path());
        CHECK(three.process.exit_code == 3);
        CHECK_FALSE(three.parser->failed());
    }
}

TEST_CASE("fake agents refuse an unknown flag with exit 2", "[agent][fake]") {
    const TempDir home;
    for (const auto& provider : {make_claude_provider(), make_codex_provider()}) {
        RunRequest request = request_for("hello");
        request.extra_args = {"--bogus"};
        const FakeRun run = run_fake(*provider, provider->start_argv(request), home.path());
        CHECK(run.process.exit_code == 2);
        CHECK_THAT(run.process.err, Catch::Contains("error: unexpected argument '--bogus'"));
        CHECK(run.process.out.empty());
    }
    CHECK(fake_agent_records(home.path()).empty());
}

TEST_CASE("fake agent edits and commits in a git repository", "[agent][fake]") {
    const TempDir home;
    const TempDir repo;
    ProcessOptions git;
    git.cwd = repo.path().string();
    git.env["HOME"] = home.path().string();
    REQUIRE(run_process({"git", "-c", "init.defaultBranch=main", "init", "-q"}, git).exit_code ==
            0);

    const auto provider = make_codex_provider();
    const FakeRun run =
        run_fake(*provider, provider->start_argv(request_for("edit=notes.txt commit")), home.path(),
                 repo.path());
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    CHECK(read_text(repo.path() / "notes.txt") == "edited by fake codex\n");
    const json record = only_record(home.path());
    CHECK(record["cwd"] == std::filesystem::canonical(repo.path()).string());
    CHECK(record["probes"]["edit:notes.txt"] == "ok");
    CHECK(record["probes"]["commit"] == 0);

    const ProcessResult log = run_process({"git", "log", "--format=%s|%an|%ae"}, git);
    CHECK(log.out == "fake agent commit|fake|fake@example.invalid\n");
}

TEST_CASE("fake agent records what it could read, its stdin, and its grandchild", "[agent][fake]") {
    const TempDir home;
    const auto provider = make_claude_provider();
    const std::string prompt =
        "read=" + home.path().string() + " read=/nonexistent/fake-agent stdin grandchild";
    const FakeRun run =
        run_fake(*provider, provider->start_argv(request_for(prompt)), home.path(), {}, "abc");
    CHECK(run.process.exit_code == 0);

    const json probes = only_record(home.path())["probes"];
    CHECK(probes["read:" + home.path().string()] == "ok");
    CHECK(probes["read:/nonexistent/fake-agent"] == "No such file or directory");
    CHECK(probes["stdin_bytes"] == 3);
    REQUIRE(probes["grandchild_pid"].is_number_integer());
    const auto grandchild = probes["grandchild_pid"].get<pid_t>();
    CHECK(::kill(grandchild, 0) == 0); // still sleeping after the fake exited
    ::kill(grandchild, SIGKILL);
}
