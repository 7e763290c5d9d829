// `forgebot help [COMMAND...]`: the help of any command, as `forgebot COMMAND --help` prints it.
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "util/error.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace forgebot::cmd {

namespace {

struct Options {
    std::vector<std::string> words;
};

int run_help(CLI::App& root, const Options& options) {
    if (const auto unknown = check_command_words(root, options.words)) {
        throw Error(Errc::usage, *unknown);
    }
    CLI::App* command = find_command(root, options.words);
    if (command == nullptr) {
        throw Error(Errc::usage, "no help for '" + options.words.back() + "'");
    }
    std::cout << help_text(*command);
    return 0;
}

} // namespace

void add_help(CLI::App& parent, Outcome& outcome) {
    auto options = std::make_shared<Options>();
    CLI::App* sub = parent.add_subcommand("help", "Show the help of forgebot or of a command");
    configure_app(*sub);
    sub->add_option("command", options->words, "The command, e.g. 'orchestrate status'");
    sub->callback([&parent, &outcome, options] { outcome.exit_code = run_help(parent, *options); });
}

} // namespace forgebot::cmd
