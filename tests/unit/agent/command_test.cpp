// Tests of the command provider and of choosing a provider from a manifest.
#include "agent/provider.hpp"
#include "fakes/temp_dir.hpp"
#include "unit/agent/agent_test_support.hpp"

#include <catch2/catch.hpp>

using forgebot::agent::AgentManifest;
using forgebot::agent::make_command_provider;
using forgebot::agent::make_provider;
using forgebot::agent::make_request;
using forgebot::agent::ProviderKind;
using forgebot::agent::RunRequest;
using forgebot::agent::SessionEvent;
using forgebot::agent::TextEvent;
using forgebot::testing::parse_in_chunks;
using Argv = std::vector<std::string>;

namespace {

RunRequest request_with(std::string prompt) {
    RunRequest request;
    request.prompt = std::move(prompt);
    request.workspace = "/bottles/AGENT-abcde/workspace";
    return request;
}

} // namespace

TEST_CASE("the command provider expands placeholders inside arguments, never via a shell",
          "[agent]") {
    const auto provider =
        make_command_provider({"my-agent", "--cwd={workspace}", "--", "{prompt}"},
                              {"my-agent", "--resume", "{session}", "--", "{prompt}"});
    CHECK(provider->kind() == ProviderKind::command);
    CHECK(provider->start_argv(request_with("-rf; echo $HOME {session}")) ==
          Argv{"my-agent", "--cwd=/bottles/AGENT-abcde/workspace", "--",
               "-rf; echo $HOME {session}"});
    CHECK(provider->resume_argv(request_with("again"), "-s1") ==
          Argv{"my-agent", "--resume", "-s1", "--", "again"});
}

TEST_CASE("the command provider resumes by starting afresh without a resume_command", "[agent]") {
    const auto provider = make_command_provider({"my-agent", "{prompt}"}, {});
    CHECK(provider->resume_argv(request_with("next"), "s1") == Argv{"my-agent", "next"});
}

TEST_CASE("the command parser keeps stdout lines and records FORGEBOT_SESSION", "[agent]") {
    const auto provider = make_command_provider({"a", "{prompt}"}, {});
    for (const std::size_t chunk : std::vector<std::size_t>{0, 1, 7}) {
        INFO("chunk size " << chunk);
        auto parser = provider->parser();
        const auto events = parse_in_chunks(
            *parser, "working\nFORGEBOT_SESSION=abc-123\r\n{\"not\":\"parsed\"}\ndone", chunk);
        REQUIRE(events.size() == 4);
        CHECK(std::get<TextEvent>(events[0]).text == "working");
        CHECK(std::get<SessionEvent>(events[1]).id == "abc-123");
        CHECK(std::get<TextEvent>(events[2]).text == "{\"not\":\"parsed\"}");
        CHECK(std::get<TextEvent>(events[3]).text == "done");
        CHECK(parser->session_id() == "abc-123");
        CHECK(parser->summary().result == "done");
        CHECK(parser->complete());
        CHECK_FALSE(parser->failed());
    }
}

TEST_CASE("the command parser is complete only at the end of its output", "[agent]") {
    auto parser = make_command_provider({"a", "{prompt}"}, {})->parser();
    parser->feed("line\n");
    CHECK_FALSE(parser->complete());
    parser->finish();
    CHECK(parser->complete());
    CHECK_FALSE(parser->session_id().has_value());
}

TEST_CASE("make_provider and make_request follow the manifest", "[agent]") {
    AgentManifest manifest;
    manifest.name = "mine";
    manifest.provider = ProviderKind::claude;
    manifest.model = "opus";
    manifest.args = {"--max-turns", "3"};
    manifest.allowed_tools = {"Read"};
    manifest.preamble = "Context.\n";
    const RunRequest request = make_request(manifest, "Do it", "/w");
    CHECK(request.prompt == "Context.\n\nDo it");
    CHECK(request.workspace == "/w");
    CHECK(request.model == "opus");
    CHECK(request.extra_args == Argv{"--max-turns", "3"});
    CHECK(request.allowed_tools == Argv{"Read"});
    CHECK_FALSE(request.mcp_config.has_value());
    CHECK(make_provider(manifest)->kind() == ProviderKind::claude);

    manifest.provider = ProviderKind::codex;
    CHECK(make_provider(manifest)->kind() == ProviderKind::codex);

    manifest.provider = ProviderKind::command;
    manifest.command = {"x", "{prompt}"};
    CHECK(make_provider(manifest)->start_argv(request) == Argv{"x", "Context.\n\nDo it"});
}
