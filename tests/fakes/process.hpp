// Runs the real forgebot binary (or any program) as a user or a calling program would.
#pragma once

#include "util/process.hpp"

#include <string>
#include <vector>

namespace forgebot::testing {

using RunResult = util::ProcessResult;
using RunOptions = util::ProcessOptions;

/// util::run_process, for tests.
inline RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options = {}) {
    return util::run_process(argv, options);
}

/// run_program with the forgebot binary under test as argv[0].
RunResult run_forgebot(const std::vector<std::string>& args, const RunOptions& options = {});

} // namespace forgebot::testing
