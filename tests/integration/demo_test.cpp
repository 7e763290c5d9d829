// `make demo` runs the whole orchestrator loop and exits 0: the demo program, run as the
// Makefile runs it, with the example agent.
#include "fakes/process.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace forgebot::testing;

TEST_CASE("the demo runs the loop from a labelled issue to a destroyed bottle", "[demo]") {
    RunOptions options;
    options.env["FORGEBOT_DEMO_AGENT"] = std::nullopt;
    options.timeout = std::chrono::minutes(3);
    const auto r = run_program(
        {FORGEBOT_DEMO_BINARY, FORGEBOT_BINARY, std::string(FORGEBOT_SOURCE_DIR) + "/examples"},
        options);
    INFO(r.out);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    // The story, in order: a forged webhook refused, the run frozen with its PR, the review
    // addressed by a resumed run, the bottle destroyed on merge, the orchestrator stopped.
    std::size_t at = 0;
    for (const char* line :
         {"-> HTTP 401", "-> HTTP 202", "queued for agent demo", "signalled done (success)",
          "frozen  #2", "rehydrated demo-", "demo-agent: opened pull request #2",
          "Thanks! Please also say in CHANGES.md", "merged: destroyed demo-", "destroyed  #2",
          "signal_done -  ok", "orchestrator stopped", "forgebot demo: done"}) {
        const auto found = r.out.find(line, at);
        INFO(line);
        REQUIRE(found != std::string::npos);
        at = found;
    }
}
