// Tests of the claude provider: exact print-mode argv, and the stream-json parser over the real
// captures in ../shared/peers/claude.
#include "agent/provider.hpp"
#include "fakes/peers.hpp"
#include "unit/agent/agent_test_support.hpp"

#include <catch2/catch.hpp>

using forgebot::agent::AgentEvent;
using forgebot::agent::EventKind;
using forgebot::agent::make_claude_provider;
using forgebot::agent::MalformedEvent;
using forgebot::agent::ResultEvent;
using forgebot::agent::RunRequest;
using forgebot::agent::SessionEvent;
using forgebot::agent::TextEvent;
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

RunRequest full_request() {
    RunRequest request;
    request.prompt = "--help me: delete nothing";
    request.workspace = "/bottles/AGENT-abcde/workspace";
    request.model = "claude-sonnet-4-5";
    request.allowed_tools = {"Read", "Edit", "Bash(git diff:*)"};
    request.extra_args = {"--max-turns", "30"};
    return request;
}

/// Parses `bytes` with a fresh claude parser, fed all at once.
std::vector<AgentEvent> parse(const std::string& bytes) {
    auto parser = make_claude_provider()->parser();
    return parse_in_chunks(*parser, bytes, 0);
}

} // namespace

TEST_CASE("claude starts in print mode with the prompt last, after --", "[agent]") {
    const auto provider = make_claude_provider();
    CHECK(provider->start_argv(full_request()) ==
          Argv{"claude", "-p", "--output-format", "stream-json", "--verbose", "--model",
               "claude-sonnet-4-5", "--allowedTools", "Read,Edit,Bash(git diff:*)",
               "--permission-mode", "acceptEdits", "--max-turns", "30", "--",
               "--help me: delete nothing"});

    RunRequest minimal;
    minimal.prompt = "-";
    CHECK(provider->start_argv(minimal) == Argv{"claude", "-p", "--output-format", "stream-json",
                                                "--verbose", "--permission-mode", "acceptEdits",
                                                "--", "-"});
}

TEST_CASE("claude resumes with --resume=ID so a dash-leading id stays a value", "[agent]") {
    const auto provider = make_claude_provider();
    RunRequest request = full_request();
    request.mcp_config = "/bottles/AGENT-abcde/mcp.json";
    CHECK(provider->resume_argv(request, "-9f2c") ==
          Argv{"claude", "-p", "--output-format", "stream-json", "--verbose", "--resume=-9f2c",
               "--model", "claude-sonnet-4-5", "--allowedTools", "Read,Edit,Bash(git diff:*)",
               "--mcp-config", "/bottles/AGENT-abcde/mcp.json", "--permission-mode", "acceptEdits",
               "--max-turns", "30", "--", "--help me: delete nothing"});
}

TEST_CASE("the claude parser reads every real capture to its result", "[agent]") {
    const auto peers = forgebot::testing::peers_dir("claude stream captures");
    if (!peers) {
        return;
    }
    const auto files = capture_files(*peers / "claude", {".jsonl", ".json"});
    REQUIRE(files.size() >= 2);
    for (const auto& file : files) {
        INFO(file.filename().string());
        const std::string bytes = capture_stream(file);
        REQUIRE(line_count(bytes) >= 6);
        auto parser = make_claude_provider()->parser();
        const auto events = parse_in_chunks(*parser, bytes, 0);

        CHECK(count_kind(events, EventKind::malformed) == 0);
        CHECK(count_kind(events, EventKind::unknown) == 0);
        CHECK(count_kind(events, EventKind::session) == 1);
        CHECK(parser->session_id().has_value());
        CHECK(parser->complete());
        CHECK_FALSE(parser->failed());
        CHECK_FALSE(parser->summary().result.empty());
        REQUIRE(parser->summary().cost_usd.has_value());
        CHECK(*parser->summary().cost_usd > 0.0);
        CHECK(parser->summary().duration_ms > 0);
        CHECK(count_kind(events, EventKind::text) >= 2);
        CHECK(count_kind(events, EventKind::tool_use) >= 1);
        CHECK(count_kind(events, EventKind::tool_use) ==
              count_kind(events, EventKind::tool_result));
        const auto results = events_of<ResultEvent>(events);
        REQUIRE(results.size() == 1);
        CHECK(results[0].success);
        CHECK(results[0].summary == parser->summary());
        CHECK(forgebot::agent::kind_of(events.back()) == EventKind::result);
    }
}

TEST_CASE("the claude parser extracts the automagik capture's session, tools and cost", "[agent]") {
    const auto peers = forgebot::testing::peers_dir("claude stream captures");
    if (!peers) {
        return;
    }
    auto parser = make_claude_provider()->parser();
    const auto events = parse_in_chunks(
        *parser, capture_stream(*peers / "claude" / "automagik.stream-json.trimmed.jsonl"), 0);

    CHECK(parser->session_id() == "aab34d6d-c5f0-4c13-b0b3-1172413b1da2");
    REQUIRE(!events.empty());
    CHECK(std::get<SessionEvent>(events.front()).id == "aab34d6d-c5f0-4c13-b0b3-1172413b1da2");
    const auto& summary = parser->summary();
    CHECK(summary.cost_usd == Approx(1.40908535));
    CHECK(summary.num_turns == 4);
    CHECK(summary.duration_ms == 14508);
    REQUIRE(summary.usage.has_value());
    CHECK(summary.usage->input_tokens == 11);
    CHECK(summary.usage->cached_input_tokens == 24744);
    CHECK(summary.usage->cache_creation_input_tokens == 71777);
    CHECK(summary.usage->output_tokens == 180);
    CHECK_THAT(summary.result, Catch::StartsWith("The `cli_executor.py` file manages"));

    const auto tools = events_of<ToolUseEvent>(events);
    REQUIRE(tools.size() == 1);
    CHECK(tools[0].id == "toolu_01KuZjMC9SbdMQwtdce1xKM4");
    CHECK(tools[0].name == "Read");
    CHECK(
        tools[0].input ==
        R"({"file_path":"/home/namastex/workspace/am-agents-labs/src/agents/claude_code/cli_executor.py"})");
    const auto outputs = events_of<ToolResultEvent>(events);
    REQUIRE(outputs.size() == 1);
    CHECK(outputs[0].tool_use_id == "toolu_01KuZjMC9SbdMQwtdce1xKM4");
    CHECK_FALSE(outputs[0].is_error);
    CHECK(outputs[0].output.size() <= 400 + 3);
    CHECK(events_of<TextEvent>(events).front().text ==
          "I'll read the file and provide a 2-sentence summary.");
}

TEST_CASE("the claude parser reads Anthropic's sample turns, whose result has no subtype",
          "[agent]") {
    const auto peers = forgebot::testing::peers_dir("claude stream captures");
    if (!peers) {
        return;
    }
    auto parser = make_claude_provider()->parser();
    const auto events = parse_in_chunks(
        *parser, capture_stream(*peers / "claude" / "claude-code-action.sample-turns.json"), 0);

    CHECK(parser->session_id() == "sample-session-id");
    CHECK(parser->summary().cost_usd == Approx(0.0347));
    CHECK(parser->summary().duration_ms == 18750);
    CHECK_FALSE(parser->summary().num_turns.has_value());
    CHECK(parser->summary().result == "Successfully removed debug print statement from file and "
                                      "added review comment to document the change.");
    const auto tools = events_of<ToolUseEvent>(events);
    REQUIRE(tools.size() == 3);
    CHECK(tools[2].name == "mcp__github__add_pull_request_review_comment");
    CHECK(events_of<ToolResultEvent>(events)[1].output ==
          "File successfully edited. The debug print statement has been removed.");
    CHECK(parser->complete());
    CHECK_FALSE(parser->failed());
}

TEST_CASE("the claude parser gives the same events whatever the chunk size", "[agent]") {
    const auto peers = forgebot::testing::peers_dir("claude stream captures");
    if (!peers) {
        return;
    }
    for (const auto& file : capture_files(*peers / "claude", {".jsonl", ".json"})) {
        INFO(file.filename().string());
        std::string bytes = capture_stream(file);
        const auto whole = parse(bytes);
        for (const std::size_t chunk : std::vector<std::size_t>{1, 7, 4096}) {
            INFO("chunk size " << chunk);
            auto parser = make_claude_provider()->parser();
            CHECK(parse_in_chunks(*parser, bytes, chunk) == whole);
        }
        // Without the last newline the final line is still parsed, at finish().
        while (!bytes.empty() && bytes.back() == '\n') {
            bytes.pop_back();
        }
        CHECK(parse(bytes) == whole);
    }
}

TEST_CASE("a claude result with is_error or an error subtype is a failure", "[agent]") {
    SECTION("is_error: true with subtype success") {
        auto parser = make_claude_provider()->parser();
        parse_in_chunks(
            *parser,
            R"({"type":"result","subtype":"success","is_error":true,"result":"API Error: 500","session_id":"s1"})"
            "\n",
            0);
        CHECK(parser->complete());
        CHECK(parser->failed());
        CHECK(parser->summary().result == "API Error: 500");
        CHECK(parser->session_id() == "s1");
    }
    SECTION("subtype error_max_turns") {
        auto parser = make_claude_provider()->parser();
        const auto events = parse_in_chunks(
            *parser,
            R"({"type":"result","subtype":"error_max_turns","is_error":false,"num_turns":30,"total_cost_usd":0.5,"session_id":"s2"})"
            "\n",
            0);
        CHECK(parser->complete());
        CHECK(parser->failed());
        CHECK(parser->summary().result == "error_max_turns");
        CHECK(parser->summary().num_turns == 30);
        REQUIRE(events_of<ResultEvent>(events).size() == 1);
        CHECK_FALSE(events_of<ResultEvent>(events)[0].success);
    }
    SECTION("subtype error_during_execution with errors") {
        auto parser = make_claude_provider()->parser();
        parse_in_chunks(
            *parser,
            R"({"type":"result","subtype":"error_during_execution","is_error":true,"errors":["tool crashed","gave up"]})"
            "\n",
            0);
        CHECK(parser->failed());
        CHECK(parser->summary().result == "tool crashed; gave up");
    }
}

TEST_CASE("a malformed claude line is reported and parsing continues", "[agent]") {
    auto parser = make_claude_provider()->parser();
    const auto events =
        parse_in_chunks(*parser,
                        "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s3\"}\r\n"
                        "Warning: something odd\n"
                        "\n"
                        "{\"type\":\"rate_limit_event\",\"x\":1}\n"
                        "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":"
                        "\"thinking\",\"thinking\":\"hmm\"},{\"type\":\"text\","
                        "\"text\":\"done\",\"new_field\":1}]}}\n"
                        "[1,2]\n"
                        "{\"type\":\"result\",\"subtype\":\"success\",\"result\":\"ok\"}",
                        0);
    REQUIRE(events.size() == 7);
    CHECK(std::get<SessionEvent>(events[0]).id == "s3");
    CHECK(std::get<MalformedEvent>(events[1]).raw == "Warning: something odd");
    CHECK(std::get<UnknownEvent>(events[2]).raw == "{\"type\":\"rate_limit_event\",\"x\":1}");
    CHECK(std::get<TextEvent>(events[3]) == TextEvent{"hmm", true});
    CHECK(std::get<TextEvent>(events[4]) == TextEvent{"done", false});
    CHECK(std::get<MalformedEvent>(events[5]).raw == "[1,2]");
    CHECK(std::get<ResultEvent>(events[6]).success);
    CHECK(parser->complete());
    CHECK_FALSE(parser->failed());
}
