// Tests of the codex provider: exact `codex exec --json` argv, and the JSONL parser over the
// real captures in ../shared/peers/codex.
#include "agent/provider.hpp"
#include "fakes/peers.hpp"
#include "unit/agent/agent_test_support.hpp"

#include <catch2/catch.hpp>

using forgebot::agent::AgentEvent;
using forgebot::agent::ErrorEvent;
using forgebot::agent::EventKind;
using forgebot::agent::make_codex_provider;
using forgebot::agent::MalformedEvent;
using forgebot::agent::ResultEvent;
using forgebot::agent::RunRequest;
using forgebot::agent::SessionEvent;
using forgebot::agent::TextEvent;
using forgebot::agent::TokenUsage;
using forgebot::agent::ToolResultEvent;
using forgebot::agent::ToolUseEvent;
using forgebot::agent::UnknownEvent;
using forgebot::testing::capture_files;
using forgebot::testing::capture_stream;
using forgebot::testing::count_kind;
using forgebot::testing::events_of;
using forgebot::testing::line_count;
using forgebot::testing::parse_in_chunks;
using Argv = std::vector<std::string>;

namespace {

/// Parses `bytes` with a fresh codex parser, fed all at once.
std::vector<AgentEvent> parse(const std::string& bytes) {
    auto parser = make_codex_provider()->parser();
    return parse_in_chunks(*parser, bytes, 0);
}

RunRequest request_with(std::string prompt) {
    RunRequest request;
    request.prompt = std::move(prompt);
    request.workspace = "/w";
    request.model = "gpt-5-codex";
    request.extra_args = {"--skip-git-repo-check"};
    request.allowed_tools = {"Read"};
    return request;
}

} // namespace

TEST_CASE("codex starts with exec --json in a workspace-write sandbox, prompt after --",
          "[agent]") {
    const auto provider = make_codex_provider();
    CHECK(provider->start_argv(request_with("-v: list files")) ==
          Argv{"codex", "exec", "--json", "--sandbox", "workspace-write", "--model", "gpt-5-codex",
               "--skip-git-repo-check", "--", "-v: list files"});
    RunRequest minimal;
    minimal.prompt = "hi";
    CHECK(provider->start_argv(minimal) ==
          Argv{"codex", "exec", "--json", "--sandbox", "workspace-write", "--", "hi"});
}

TEST_CASE("codex resumes with its flags before resume and the id after --", "[agent]") {
    const auto provider = make_codex_provider();
    CHECK(provider->resume_argv(request_with("Address the review"),
                                "019a2d7a-41c4-78b1-b7cc-a45d62a89cd5") ==
          Argv{"codex", "exec", "--json", "--sandbox", "workspace-write", "--model", "gpt-5-codex",
               "--skip-git-repo-check", "resume", "--", "019a2d7a-41c4-78b1-b7cc-a45d62a89cd5",
               "Address the review"});
    CHECK(provider->resume_argv(request_with("--last"), "-x") ==
          Argv{"codex", "exec", "--json", "--sandbox", "workspace-write", "--model", "gpt-5-codex",
               "--skip-git-repo-check", "resume", "--", "-x", "--last"});
}

TEST_CASE("codex gets MCP servers as TOML config overrides, before resume, and ignores "
          "mcp_config",
          "[agent]") {
    const auto provider = make_codex_provider();
    RunRequest request = request_with("Fix it");
    request.mcp_config = "/ignored/mcp.json";
    request.mcp_servers.push_back(
        {"forgebot", "/opt/forge bot/forgebot", {"mcp", "--socket", "/s/it's \"here\"/sock"}});
    const Argv overrides{
        "-c", "mcp_servers.forgebot.command='/opt/forge bot/forgebot'",
        "-c", R"(mcp_servers.forgebot.args=[ 'mcp', '--socket', "/s/it's \"here\"/sock" ])",
        "-c", "mcp_servers.forgebot.tool_timeout_sec=300"};
    Argv start{"codex", "exec", "--json", "--sandbox", "workspace-write", "--model", "gpt-5-codex"};
    start.insert(start.end(), overrides.begin(), overrides.end());
    Argv resume = start;
    start.insert(start.end(), {"--skip-git-repo-check", "--", "Fix it"});
    CHECK(provider->start_argv(request) == start);
    resume.insert(resume.end(), {"--skip-git-repo-check", "resume", "--", "T", "Fix it"});
    CHECK(provider->resume_argv(request, "T") == resume);
}

TEST_CASE("the codex parser reads every real capture", "[agent]") {
    const auto peers = forgebot::testing::peers_dir("codex stream captures");
    if (!peers) {
        return;
    }
    const auto files = capture_files(*peers / "codex", {".jsonl"});
    REQUIRE(files.size() >= 7);
    std::size_t completed = 0;
    for (const auto& file : files) {
        INFO(file.filename().string());
        const std::string bytes = capture_stream(file);
        REQUIRE(line_count(bytes) >= 2);
        auto parser = make_codex_provider()->parser();
        const auto events = parse_in_chunks(*parser, bytes, 0);

        CHECK(count_kind(events, EventKind::malformed) == 0);
        CHECK(count_kind(events, EventKind::unknown) == 0);
        CHECK(count_kind(events, EventKind::session) == 1);
        CHECK(parser->session_id().has_value());
        CHECK_FALSE(parser->failed());
        CHECK(count_kind(events, EventKind::tool_use) ==
              count_kind(events, EventKind::tool_result));
        // One capture was cut off after turn.started; it must not look finished.
        const bool truncated = bytes.find("turn.completed") == std::string::npos;
        CHECK(parser->complete() == !truncated);
        if (truncated) {
            CHECK(count_kind(events, EventKind::result) == 0);
            continue;
        }
        ++completed;
        REQUIRE(parser->summary().usage.has_value());
        CHECK(parser->summary().usage->input_tokens > 0);
        CHECK(parser->summary().usage->output_tokens > 0);
        CHECK_FALSE(parser->summary().result.empty());
        CHECK_FALSE(parser->summary().cost_usd.has_value());
        const auto results = events_of<ResultEvent>(events);
        REQUIRE(results.size() == 1);
        CHECK(results[0].success);
        CHECK(results[0].summary == parser->summary());
        CHECK(forgebot::agent::kind_of(events.back()) == EventKind::result);
    }
    CHECK(completed == files.size() - 1);
}

TEST_CASE("the codex parser turns items into text, tool use and tool results", "[agent]") {
    const auto peers = forgebot::testing::peers_dir("codex stream captures");
    if (!peers) {
        return;
    }
    SECTION("a question and answer") {
        auto parser = make_codex_provider()->parser();
        const auto events = parse_in_chunks(
            *parser, capture_stream(*peers / "codex" / "agentcmd.stream-output-1.jsonl"), 0);
        REQUIRE(events.size() == 4);
        CHECK(std::get<SessionEvent>(events[0]).id == "019a2d7a-41c4-78b1-b7cc-a45d62a89cd5");
        CHECK(std::get<TextEvent>(events[1]) == TextEvent{"**Providing simple answer**", true});
        CHECK(std::get<TextEvent>(events[2]) == TextEvent{"4", false});
        CHECK(parser->summary().result == "4");
        CHECK(parser->summary().usage == TokenUsage{2946, 0, 0, 7});
    }
    SECTION("a shell command") {
        auto parser = make_codex_provider()->parser();
        const auto events = parse_in_chunks(
            *parser, capture_stream(*peers / "codex" / "agentcmd.stream-output-2.jsonl"), 0);
        const auto tools = events_of<ToolUseEvent>(events);
        REQUIRE(tools.size() == 1);
        CHECK(tools[0] == ToolUseEvent{"item_1", "command_execution", "bash -lc ls"});
        const auto outputs = events_of<ToolResultEvent>(events);
        REQUIRE(outputs.size() == 1);
        CHECK(outputs[0] ==
              ToolResultEvent{"item_1", "stream-output-1.jsonl\nstream-output-2.jsonl\ntest.js\n",
                              false});
        CHECK(parser->summary().usage == TokenUsage{6040, 4992, 0, 129});
    }
    SECTION("a file change, seen only when completed") {
        auto parser = make_codex_provider()->parser();
        const auto events = parse_in_chunks(
            *parser, capture_stream(*peers / "codex" / "agentcmd.stream-output-3.jsonl"), 0);
        const auto tools = events_of<ToolUseEvent>(events);
        REQUIRE(tools.size() == 1);
        CHECK(tools[0] == ToolUseEvent{"item_1", "file_change",
                                       "add /private/tmp/codex-research-test/hello.txt"});
        CHECK(events_of<ToolResultEvent>(events).at(0).output == "completed");
    }
}

TEST_CASE("the codex parser gives the same events whatever the chunk size", "[agent]") {
    const auto peers = forgebot::testing::peers_dir("codex stream captures");
    if (!peers) {
        return;
    }
    for (const auto& file : capture_files(*peers / "codex", {".jsonl"})) {
        INFO(file.filename().string());
        const std::string bytes = capture_stream(file);
        const auto whole = parse(bytes);
        for (const std::size_t chunk : std::vector<std::size_t>{1, 7}) {
            INFO("chunk size " << chunk);
            auto parser = make_codex_provider()->parser();
            CHECK(parse_in_chunks(*parser, bytes, chunk) == whole);
        }
    }
}

TEST_CASE("codex turn.failed is a completed, failed run", "[agent]") {
    auto parser = make_codex_provider()->parser();
    const auto events = parse_in_chunks(*parser,
                                        "{\"type\":\"thread.started\",\"thread_id\":\"t1\"}\n"
                                        "{\"type\":\"turn.started\"}\n"
                                        "{\"type\":\"turn.failed\",\"error\":{\"message\":"
                                        "\"model overloaded\"}}\n",
                                        0);
    CHECK(parser->complete());
    CHECK(parser->failed());
    CHECK(parser->summary().result == "model overloaded");
    REQUIRE(events.size() == 3);
    CHECK(std::get<ErrorEvent>(events[1]).message == "model overloaded");
    CHECK_FALSE(std::get<ResultEvent>(events[2]).success);
}

TEST_CASE("a codex error event fails the run unless the turn then completes", "[agent]") {
    const std::string start = "{\"type\":\"thread.started\",\"thread_id\":\"t2\"}\n"
                              "{\"type\":\"turn.started\"}\n";
    SECTION("an error and then the end of the stream") {
        auto parser = make_codex_provider()->parser();
        auto events = parser->feed(start + "{\"type\":\"error\",\"message\":\"unauthorized\"}\n");
        CHECK(parser->failed());
        CHECK_FALSE(parser->complete());
        events = parser->finish();
        CHECK(parser->complete());
        CHECK(parser->failed());
        CHECK(parser->summary().result == "unauthorized");
        REQUIRE(events_of<ResultEvent>(events).size() == 1);
        CHECK_FALSE(events_of<ResultEvent>(events)[0].success);
    }
    SECTION("a retried stream error and then a completed turn") {
        auto parser = make_codex_provider()->parser();
        const auto events = parse_in_chunks(
            *parser,
            start +
                "{\"type\":\"error\",\"message\":\"Reconnecting... 1/5 (stream disconnected)\"}\n"
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":"
                "\"agent_message\",\"text\":\"OK\"}}\n"
                "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":5,"
                "\"cached_input_tokens\":0,\"output_tokens\":1}}\n",
            0);
        CHECK(count_kind(events, EventKind::error) == 1);
        CHECK(parser->complete());
        CHECK_FALSE(parser->failed());
        CHECK(parser->summary().result == "OK");
    }
}

TEST_CASE("a malformed codex line is reported and unknown ones are kept", "[agent]") {
    auto parser = make_codex_provider()->parser();
    const auto events = parse_in_chunks(
        *parser,
        "{\"type\":\"thread.started\",\"thread_id\":\"t3\"}\n"
        "{\"type\":\"thread.started\"\n"
        "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"todo_list\","
        "\"items\":[]}}\n"
        "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_1\",\"type\":\"mcp_tool_call\","
        "\"server\":\"forge\",\"tool\":\"comment\",\"arguments\":{\"body\":\"hi\"},"
        "\"result\":null,\"error\":{\"message\":\"denied\"},\"status\":\"failed\"}}\n"
        "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_2\",\"type\":\"error\","
        "\"message\":\"a warning\"}}\n"
        "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}\n",
        0);
    REQUIRE(events.size() == 7);
    CHECK(std::get<SessionEvent>(events[0]).id == "t3");
    CHECK(std::get<MalformedEvent>(events[1]).raw == "{\"type\":\"thread.started\"");
    CHECK_THAT(std::get<UnknownEvent>(events[2]).raw, Catch::Contains("todo_list"));
    CHECK(std::get<ToolUseEvent>(events[3]) ==
          ToolUseEvent{"item_1", "mcp_tool_call", "forge.comment {\"body\":\"hi\"}"});
    CHECK(std::get<ToolResultEvent>(events[4]) ==
          ToolResultEvent{"item_1", "{\"message\":\"denied\"}", true});
    CHECK(std::get<ErrorEvent>(events[5]).message == "a warning");
    CHECK(std::get<ResultEvent>(events[6]).success);
    CHECK_FALSE(parser->failed());
}
