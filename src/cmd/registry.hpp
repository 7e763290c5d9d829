// The table of subcommands, the one place that says which commands forgebot has.
#pragma once

#include <span>
#include <string_view>

namespace CLI {
class App;
}

namespace forgebot::cmd {

/// What a subcommand's callback hands back to cmd::main.
struct Outcome {
    int exit_code = 0;
};

/// One row of the command table.
struct Command {
    std::string_view name;
    void (*add)(CLI::App& parent, Outcome& outcome);
};

/// Every top-level subcommand, in the order `forgebot --help` lists them.
std::span<const Command> commands();

void add_start(CLI::App& parent, Outcome& outcome);
void add_resume(CLI::App& parent, Outcome& outcome);
void add_list(CLI::App& parent, Outcome& outcome);
void add_show(CLI::App& parent, Outcome& outcome);
void add_logs(CLI::App& parent, Outcome& outcome);
void add_freeze(CLI::App& parent, Outcome& outcome);
void add_destroy(CLI::App& parent, Outcome& outcome);
void add_orchestrate(CLI::App& parent, Outcome& outcome);
void add_provenance(CLI::App& parent, Outcome& outcome);
void add_sidecar(CLI::App& parent, Outcome& outcome);
void add_call(CLI::App& parent, Outcome& outcome);
void add_mcp(CLI::App& parent, Outcome& outcome);
void add_help(CLI::App& parent, Outcome& outcome);

} // namespace forgebot::cmd
