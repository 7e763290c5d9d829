// Shared CLI plumbing for the command files: app formatting, error printing, command-word checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class ParseError;
} // namespace CLI

namespace forgebot::cmd {

/// Applies forgebot's help formatting and conventions to an app or subcommand.
void configure_app(CLI::App& app);

/// Writes `forgebot: error: MESSAGE` to stderr.
void print_error(std::string_view message);

/// Sets the level of diagnostics on stderr from a `--log-level` value (error, warn, info or
/// debug). Throws Error{Errc::usage} naming the choices for anything else.
void apply_log_level(const std::string& text);

/// Checks the leading non-option words of `args` against the command tree below `root`. Returns
/// the error message for the first word that names no command (with a suggestion when one is
/// close), or std::nullopt when every command word is known.
std::optional<std::string> check_command_words(CLI::App& root,
                                               const std::vector<std::string>& args);

/// The command below `root` named by `path` (e.g. {"orchestrate", "status"}), or nullptr.
CLI::App* find_command(CLI::App& root, const std::vector<std::string>& path);

/// The full help text of `command` (usage line names its whole path).
std::string help_text(CLI::App& command);

/// Prints what a CLI11 parse error means and returns the exit status: 0 for --help and
/// --version (their output on stdout), 2 for usage errors (message on stderr).
int handle_parse_error(CLI::App& root, const CLI::ParseError& error);

} // namespace forgebot::cmd
