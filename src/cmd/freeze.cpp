// `forgebot freeze`: stop a bottle's agent and sidecar, keeping everything for a resume.
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace forgebot::cmd {

void add_freeze(CLI::App& parent, Outcome& outcome) {
    auto identity = std::make_shared<std::string>();
    CLI::App* app = parent.add_subcommand("freeze", "Stop a bottle's agent, keep its state");
    configure_app(*app);
    app->add_option("identity", *identity, "The bottle, e.g. claude-ab3de")->required();
    app->callback([&outcome, identity] {
        auto context = open_bottle_context();
        context.sessions->freeze(*identity);
        std::cerr << "forgebot: " << *identity << " frozen; resume with: forgebot resume "
                  << *identity << " --headless --prompt '...'\n";
        outcome.exit_code = 0;
    });
}

} // namespace forgebot::cmd
