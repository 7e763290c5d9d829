// cmd::main: builds the CLI from the command table, parses, runs, and maps every error to an exit
// status.
#include "cmd/main.hpp"

#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "util/error.hpp"
#include "util/exit_code.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace forgebot::cmd {

namespace {

constexpr const char* k_description =
    "forgebot lets AI coding agents work issues from a git forge, safely: each run gets its own\n"
    "workspace and sandbox, and a sidecar that holds the forge token so the agent never does.";

} // namespace

int main(int argc, char** argv) {
    // Rationale: a peer that hangs up (a closed pipe or socket) is an error to report, not a
    // reason to die.
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{k_description, "forgebot"};
    configure_app(app);
    app.set_version_flag("--version", std::string("forgebot ") + FORGEBOT_VERSION,
                         "Print the version and exit");
    app.require_subcommand(1);
    app.footer("Run 'forgebot help COMMAND' or 'forgebot COMMAND --help' for a command's options.\n"
               "Exit status: 0 ok, 1 failure, 2 usage, 3 unavailable, 4 agent failed, 124 timed "
               "out, 130 interrupted.");

    Outcome outcome;
    for (const Command& command : commands()) {
        command.add(app, outcome);
    }

    const std::vector<std::string> args(argv + 1, argv + argc);
    if (const auto unknown = check_command_words(app, args)) {
        print_error(*unknown);
        return to_int(ExitCode::usage);
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return handle_parse_error(app, e);
    } catch (const Error& e) {
        print_error(e.what());
        return to_int(exit_code_for(e.code()));
    } catch (const std::exception& e) {
        print_error(e.what());
        return to_int(ExitCode::failure);
    }
    return outcome.exit_code;
}

} // namespace forgebot::cmd
