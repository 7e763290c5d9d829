// `forgebot destroy`: stop a bottle and remove its workspace and branch (unless pushed).
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace forgebot::cmd {

void add_destroy(CLI::App& parent, Outcome& outcome) {
    auto identity = std::make_shared<std::string>();
    CLI::App* app =
        parent.add_subcommand("destroy", "Stop a bottle and remove its workspace for good");
    configure_app(*app);
    app->add_option("identity", *identity, "The bottle, e.g. claude-ab3de")->required();
    app->callback([&outcome, identity] {
        auto context = open_bottle_context();
        context.sessions->destroy(*identity);
        std::cerr << "forgebot: " << *identity << " destroyed\n";
        outcome.exit_code = 0;
    });
}

} // namespace forgebot::cmd
