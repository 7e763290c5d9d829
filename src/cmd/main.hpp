// Entry point of the command table.
#pragma once

namespace forgebot::cmd {

/// Parses argv, runs the chosen subcommand and returns the process exit status. Never throws:
/// every error becomes a `forgebot: error: ...` line on stderr and an exit code from
/// util/exit_code.hpp.
int main(int argc, char** argv);

} // namespace forgebot::cmd
