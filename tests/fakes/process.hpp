// Runs a program (usually the real forgebot binary) and captures what a caller would see.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::testing {

/// What a finished child printed and how it exited.
struct RunResult {
    int exit_code = -1; ///< the exit status, or 128 + signal number
    std::string out;
    std::string err;
};

/// Options for run_program.
struct RunOptions {
    /// Variables to set (a value) or unset (std::nullopt) on top of this process's environment.
    std::map<std::string, std::optional<std::string>> env;
    std::string stdin_data;
    std::optional<std::string> cwd;
};

/// Runs argv[0] (searched on PATH when it has no slash) with argv, waits for it, and returns its
/// exit status and output. Throws std::runtime_error when it cannot be started.
RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

/// run_program with the forgebot binary under test as argv[0].
RunResult run_forgebot(const std::vector<std::string>& args, const RunOptions& options = {});

} // namespace forgebot::testing
