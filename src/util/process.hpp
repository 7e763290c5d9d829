// Running a child program to completion and collecting what it printed.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forgebot::util {

/// What a finished child printed and how it exited.
struct ProcessResult {
    int exit_code = -1; ///< the exit status, or 128 + signal number
    std::string out;
    std::string err;
    bool timed_out = false; ///< killed because the timeout passed
};

/// How to run a child.
struct ProcessOptions {
    /// When true the child gets only `env`; otherwise `env` is applied on top of this process's
    /// environment (a std::nullopt value removes the variable).
    bool clean_env = false;
    std::map<std::string, std::optional<std::string>> env;
    std::string stdin_data;
    std::optional<std::string> cwd;
    /// Kill the child (SIGKILL) after this long; zero for no limit.
    std::chrono::milliseconds timeout{0};
};

/// The environment a child gets under `options` (clean_env and env applied), as NAME=VALUE
/// strings sorted by name.
std::vector<std::string> child_environment(const ProcessOptions& options);

/// Runs argv[0] (searched on PATH when it has no slash) with argv and waits for it. Descriptors
/// other than 0-2 are not inherited (pipes are close-on-exec). Throws Error{Errc::io} when the
/// child cannot be created; an exec failure is exit code 127 with the reason on `err`.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

} // namespace forgebot::util
