// CLI plumbing: consistent errors, help for nested commands, unknown-command suggestions.
#include "cmd/cli.hpp"

#include "util/exit_code.hpp"
#include "util/log.hpp"
#include "util/suggest.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <iostream>

namespace forgebot::cmd {

namespace {

std::string full_name(const CLI::App& command) {
    std::string name = command.get_name();
    for (const CLI::App* parent = command.get_parent(); parent != nullptr;
         parent = parent->get_parent()) {
        name = parent->get_name() + " " + name;
    }
    return name;
}

// The words after the program name that lead to `command` ("orchestrate status"); empty for root.
std::string command_path(const CLI::App& command) {
    const std::string name = full_name(command);
    const auto space = name.find(' ');
    return space == std::string::npos ? std::string{} : name.substr(space + 1);
}

std::string lower_first(std::string text) {
    if (!text.empty() && std::isupper(static_cast<unsigned char>(text[0])) != 0 &&
        (text.size() < 2 || std::islower(static_cast<unsigned char>(text[1])) != 0)) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    while (!text.empty() && (text.back() == '.' || text.back() == '\n')) {
        text.pop_back();
    }
    return text;
}

} // namespace

void configure_app(CLI::App& app) {
    app.get_formatter()->column_width(28);
    app.option_defaults()->always_capture_default(false);
}

void print_error(std::string_view message) {
    std::cerr << "forgebot: error: " << message << '\n';
}

void apply_log_level(const std::string& text) {
    const auto level = util::parse_log_level(text);
    if (!level) {
        throw Error(Errc::usage,
                    "unknown log level '" + text + "'; use error, warn, info or debug");
    }
    util::set_log_level(*level);
}

CLI::App* find_command(CLI::App& root, const std::vector<std::string>& path) {
    CLI::App* current = &root;
    for (const auto& word : path) {
        CLI::App* next = nullptr;
        for (CLI::App* sub : current->get_subcommands({})) {
            if (sub->get_name() == word) {
                next = sub;
            }
        }
        if (next == nullptr) {
            return nullptr;
        }
        current = next;
    }
    return current;
}

std::optional<std::string> check_command_words(CLI::App& root,
                                               const std::vector<std::string>& args) {
    CLI::App* current = &root;
    for (const auto& word : args) {
        if (word.empty() || word.front() == '-') {
            return std::nullopt;
        }
        const auto subs = current->get_subcommands({});
        if (subs.empty()) {
            return std::nullopt;
        }
        std::vector<std::string> names;
        CLI::App* next = nullptr;
        for (CLI::App* sub : subs) {
            names.push_back(sub->get_name());
            if (sub->get_name() == word) {
                next = sub;
            }
        }
        if (next == nullptr) {
            const std::string path = command_path(*current);
            const std::string prefix = path.empty() ? "" : path + " ";
            std::string message = "unknown command '" + prefix + word + "'";
            if (const auto hint = util::closest(word, names)) {
                message += " (did you mean '" + prefix + *hint + "'?)";
            } else {
                message += "; see '" + full_name(*current) + " --help'";
            }
            return message;
        }
        current = next;
    }
    return std::nullopt;
}

std::string help_text(CLI::App& command) {
    const CLI::App* parent = command.get_parent();
    return command.help(parent == nullptr ? "" : full_name(*parent));
}

int handle_parse_error(CLI::App& root, const CLI::ParseError& error) {
    if (dynamic_cast<const CLI::CallForHelp*>(&error) != nullptr ||
        dynamic_cast<const CLI::CallForAllHelp*>(&error) != nullptr) {
        std::cout << root.help();
        return to_int(ExitCode::ok);
    }
    if (dynamic_cast<const CLI::CallForVersion*>(&error) != nullptr) {
        std::cout << error.what() << '\n';
        return to_int(ExitCode::ok);
    }
    // The deepest command that was named, for the "see --help" pointer.
    CLI::App* command = &root;
    for (auto subs = root.get_subcommands(); !subs.empty(); subs = subs.back()->get_subcommands()) {
        command = subs.back();
    }
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr &&
        !command->get_subcommands({}).empty() && command->get_subcommands().empty()) {
        if (const auto extras = command->remaining(); !extras.empty()) {
            print_error("unknown option '" + extras.front() + "'; see '" + full_name(*command) +
                        " --help'");
            return to_int(ExitCode::usage);
        }
        print_error("'" + full_name(*command) + "' needs a command; see '" + full_name(*command) +
                    " --help'");
        return to_int(ExitCode::usage);
    }
    print_error(lower_first(error.what()) + "; see '" + full_name(*command) + " --help'");
    return to_int(ExitCode::usage);
}

} // namespace forgebot::cmd
