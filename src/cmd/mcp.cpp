// `forgebot mcp`: the run's sidecar as a Model Context Protocol server on stdin and stdout, for
// agents that take their tools through MCP.
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "mcp/server.hpp"
#include "mcp/stdio.hpp"
#include "sidecar/client.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace forgebot::cmd {

namespace {

struct McpOptions {
    std::string socket;
    double timeout_seconds = 300;
    std::string log_level = "warn";
};

int run_mcp(const McpOptions& options) {
    apply_log_level(options.log_level);
    const auto timeout =
        std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
    sidecar::SocketCaller caller(sidecar::sidecar_socket(options.socket), timeout);
    mcp::Server server(caller, {"forgebot", FORGEBOT_VERSION});
    util::log(util::LogLevel::info, "mcp: serving the sidecar at " + caller.socket().string());
    mcp::serve(server, std::cin, std::cout);
    return 0;
}

} // namespace

void add_mcp(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<McpOptions>();
    CLI::App* app =
        parent.add_subcommand("mcp", "Serve the run's sidecar as an MCP server on stdio");
    configure_app(*app);
    app->add_option("--socket", o->socket, "The sidecar socket [$FORGEBOT_SIDECAR_SOCKET]");
    app->add_option("--timeout", o->timeout_seconds,
                    "Seconds to wait for the sidecar's answer to a tool call [300]")
        ->check(CLI::PositiveNumber);
    app->add_option("--log-level", o->log_level, "error, warn, info or debug, on stderr [warn]");
    app->footer("Exit status: 0 at the end of input, 2 usage (no socket given).");
    app->callback([&outcome, o] { outcome.exit_code = run_mcp(*o); });
}

} // namespace forgebot::cmd
