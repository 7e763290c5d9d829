// The forgebot binary under test.
#include "fakes/process.hpp"

#include <csignal>

namespace forgebot::testing {

namespace {
// Rationale: a child that exits before reading its stdin must not kill the test runner.
const bool k_sigpipe_ignored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
} // namespace

RunResult run_forgebot(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv{FORGEBOT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return util::run_process(argv, options);
}

} // namespace forgebot::testing
