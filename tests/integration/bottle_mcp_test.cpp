// Forge runs wired to `forgebot mcp`: claude gets an MCP configuration file and the tools
// allowed, codex gets configuration overrides, and the agent reaches the sidecar through them.
#include "bottle/session.hpp"
#include "integration/bottle_fixture.hpp"

#include <catch2/catch.hpp>

using namespace forgebot::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_forge_args{"--forge", "local", "--owner", "o",
                                            "--repo",  "r",     "--issue", "17"};

/// `forgebot start AGENT --headless --backend BACKEND` on issue 17 with `prompt`.
RunResult start_forge_run(const BottleFixture& f, const std::string& agent,
                          const std::string& backend, const std::string& prompt,
                          const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"start", agent, "--headless", "--backend", backend};
    args.insert(args.end(), k_forge_args.begin(), k_forge_args.end());
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--prompt", prompt});
    return f.forgebot(args);
}

/// The server's answers in a fake agent's `mcp:TOOL` probe, checked to have gone well.
json mcp_answers(const json& probes, const std::string& tool) {
    const auto& probe = probes["mcp:" + tool];
    INFO(probe.dump());
    REQUIRE(probe["exit"] == 0);
    REQUIRE(probe["responses"].size() == 3); // initialize, tools/list, tools/call
    return probe["responses"];
}

/// The plan `forgebot start AGENT --headless --dry-run` prints, for a forge run on issue 17 or,
/// without `forge`, a run in the host repository.
std::string dry_run_plan(const BottleFixture& f, const std::string& agent, bool forge = true) {
    std::vector<std::string> args{"start",     agent,     "--headless", "--dry-run",
                                  "--backend", "process", "--prompt",   "Fix it"};
    if (forge) {
        args.insert(args.end(), k_forge_args.begin(), k_forge_args.end());
    }
    const auto r = f.forgebot(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

/// The bottle directory a dry run's plan names.
fs::path planned_bottle(const BottleFixture& f, const std::string& plan) {
    REQUIRE(plan.starts_with("identity:  "));
    return f.bottle_dir(plan.substr(11, plan.find('\n') - 11));
}

/// The words of a dry run's `command:` line.
std::string command_line(const std::string& plan) {
    const auto at = plan.find("command:   ");
    REQUIRE(at != std::string::npos);
    return plan.substr(at, plan.find('\n', at) - at);
}

} // namespace

TEST_CASE("The forge overlay names the MCP tools when MCP is wired, forgebot call otherwise",
          "[bottle][mcp]") {
    forgebot::bottle::ForgeRun run;
    run.forge = "local";
    run.owner = "o";
    run.repo = "r";
    run.issue = 17;
    const auto tools = forgebot::bottle::forge_overlay(run, "forgebot/17-claude-abcde", true);
    CHECK_THAT(tools, Catch::Contains("o/r#17") && Catch::Contains("`forgebot` MCP server") &&
                          Catch::Contains("`forge_read_issue` with `{\"number\": 17}`") &&
                          Catch::Contains("`forge_post_comment`") &&
                          Catch::Contains("`forge_update_description`") &&
                          Catch::Contains("`forge_push_branch`") &&
                          Catch::Contains("`forge_open_pr`") &&
                          Catch::Contains("`forge_signal_done`") &&
                          Catch::Contains("forgebot/17-claude-abcde"));
    CHECK(tools.find("forgebot call") == std::string::npos);
    const auto call = forgebot::bottle::forge_overlay(run, "forgebot/17-claude-abcde", false);
    CHECK_THAT(call, Catch::Contains("`forgebot call read_issue '{\"number\": 17}'`") &&
                         Catch::Contains("`forgebot call signal_done") &&
                         Catch::Contains("`forgebot call --help`"));
    CHECK(call.find("forge_") == std::string::npos);
}

TEST_CASE("A dry run of a forge run shows claude's MCP configuration and allowed tools",
          "[bottle][mcp]") {
    BottleFixture f;
    ForgeWorld world(f);
    const auto plan = dry_run_plan(f, "claude");
    const auto config = planned_bottle(f, plan) / "sidecar" / "mcp.json";
    CHECK_THAT(command_line(plan), Catch::Contains("--allowedTools 'mcp__forgebot__*'") &&
                                       Catch::Contains("--mcp-config " + config.string()));
    // A dry run creates nothing, the configuration file included.
    CHECK_FALSE(fs::exists(planned_bottle(f, plan)));

    // Without a forge there is no sidecar, so no MCP server either.
    const auto plain = command_line(dry_run_plan(f, "claude", false));
    CHECK(plain.find("--mcp-config") == std::string::npos);
    CHECK(plain.find("mcp__") == std::string::npos);
}

TEST_CASE("A dry run of a codex forge run shows the MCP server as configuration overrides",
          "[bottle][mcp]") {
    BottleFixture f;
    ForgeWorld world(f);
    const auto plan = dry_run_plan(f, "codex");
    const auto socket = planned_bottle(f, plan) / "sidecar" / "sock";
    const auto line = command_line(plan);
    CHECK_THAT(line, Catch::Contains("mcp_servers.forgebot.command=") &&
                         Catch::Contains("mcp_servers.forgebot.args=") &&
                         Catch::Contains(socket.string()) &&
                         Catch::Contains("-c mcp_servers.forgebot.tool_timeout_sec=300"));
    CHECK(line.find("--mcp-config") == std::string::npos);
}

TEST_CASE("A forge run of claude reaches the sidecar through forgebot mcp, on start and resume",
          "[bottle][mcp][forge]") {
    BottleFixture f;
    ForgeWorld world(f);
    for (const auto& backend :
         testable_backends("claude MCP forge run under bwrap (process backend still runs)")) {
        DYNAMIC_SECTION("backend " << backend) {
            const auto r =
                start_forge_run(f, "claude", backend,
                                "mcp=forge_read_issue:{\"number\":17} "
                                "mcp=forge_post_comment:{\"number\":17,\"body\":\"via-mcp-" +
                                    backend + "\"}");
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const auto identity = ended_identity(r.err);
            const auto dir = f.bottle_dir(identity);
            const auto records = f.records(identity);
            REQUIRE(records.size() == 1);
            const auto& record = records[0];
            INFO(record.dump());

            // The configuration claude received, and the tools it may use without asking.
            const json expected = {
                {"forgebot",
                 {{"command", fs::canonical(FORGEBOT_BINARY).string()},
                  {"args", {"mcp", "--socket", (dir / "sidecar" / "sock").string()}}}}};
            CHECK(record["mcp_config"] == expected);
            CHECK(record["mcp_servers"] ==
                  json::array({{{"name", "forgebot"}, {"status", "connected"}}}));
            const auto argv = record["argv"].get<std::vector<std::string>>();
            const auto tools = std::find(argv.begin(), argv.end(), "--allowedTools");
            REQUIRE(tools != argv.end());
            CHECK(*(tools + 1) == "mcp__forgebot__*");
            const auto config = std::find(argv.begin(), argv.end(), "--mcp-config");
            REQUIRE(config != argv.end());
            CHECK(*(config + 1) == (dir / "sidecar" / "mcp.json").string());
            CHECK(fs::exists(dir / "sidecar" / "mcp.json"));
            CHECK(read_file(dir / "sidecar" / "mcp.json").find(k_forge_token) == std::string::npos);
            const auto prompt = record["prompt"].get<std::string>();
            CHECK_THAT(prompt, Catch::Contains("`forge_signal_done`"));
            CHECK(prompt.find("forgebot call") == std::string::npos);

            // The agent started the server itself and worked the issue through it.
            const auto read = mcp_answers(record["probes"], "forge_read_issue");
            CHECK(read[0]["result"]["protocolVersion"] == "2025-06-18");
            CHECK(read[1]["result"]["tools"].size() == 8);
            CHECK(read[2]["result"]["structuredContent"]["title"] == "Fix the crash");
            const auto posted = mcp_answers(record["probes"], "forge_post_comment");
            CHECK(posted[2]["result"]["structuredContent"] == json{{"ok", true}});
            const auto comments = world.forge.comments(17);
            REQUIRE_FALSE(comments.empty());
            CHECK(comments.back().body == "via-mcp-" + backend);

            // Resume wires it again, to the sidecar started again.
            const auto resumed =
                f.forgebot({"resume", identity, "--headless", "--prompt",
                            "mcp=forge_signal_done:{\"status\":\"success\",\"summary\":\"done\"}"});
            INFO(resumed.err);
            REQUIRE(resumed.exit_code == 0);
            const auto again = f.records(identity);
            REQUIRE(again.size() == 2);
            CHECK(again[1]["resumed"] == true);
            CHECK(again[1]["mcp_config"] == expected);
            const auto done = mcp_answers(again[1]["probes"], "forge_signal_done");
            CHECK(done[2]["result"]["structuredContent"]["ok"] == true);
            CHECK(queued_events(dir) == 1);
        }
    }
}

TEST_CASE("A forge run of codex gets forgebot mcp through configuration overrides",
          "[bottle][mcp][forge]") {
    BottleFixture f;
    ForgeWorld world(f);
    const auto r =
        start_forge_run(f, "codex", "process", "mcp=forge_read_comments:{\"number\":17}");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto identity = ended_identity(r.err);
    const auto records = f.records(identity);
    REQUIRE(records.size() == 1);
    const auto& record = records[0];
    INFO(record.dump());
    CHECK(record["mcp_config"] ==
          json{{"forgebot",
                {{"command", fs::canonical(FORGEBOT_BINARY).string()},
                 {"args",
                  {"mcp", "--socket", (f.bottle_dir(identity) / "sidecar" / "sock").string()}},
                 {"tool_timeout_sec", 300}}}});
    const auto answers = mcp_answers(record["probes"], "forge_read_comments");
    CHECK(answers[2]["result"]["structuredContent"]["comments"] == json::array());
    CHECK_THAT(record["prompt"].get<std::string>(), Catch::Contains("`forge_read_comments`"));
    // No claude flags for codex.
    CHECK(record["argv"].dump().find("--mcp-config") == std::string::npos);
}
