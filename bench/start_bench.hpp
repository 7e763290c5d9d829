// The start benchmark: what `forgebot start --headless` costs next to doing its work by hand.
#pragma once

#include <filesystem>
#include <string>

namespace forgebot::bench {

/// What the start benchmark runs on.
struct StartBenchOptions {
    std::string forgebot;      ///< the forgebot binary
    std::filesystem::path dir; ///< an empty scratch directory; the caller removes it
    int runs = 10;             ///< measured runs of each kind, after one warm-up run
    int files = 10'000;        ///< files in the benchmark's repository
};

/// Makes a git repository of `options.files` small files in `options.dir`, then times, for
/// the process and the bwrap backends in turn, `forgebot start noop --headless` (an agent that
/// runs `true` and exits) against making the same workspace with git and running `true` by hand.
/// Prints a table of the medians and the targets of docs/PERFORMANCE.md on stdout; the bwrap
/// rows are skipped, with a line saying why, when bubblewrap cannot create namespaces here.
/// Returns whether every target checked passed. Throws std::runtime_error when a step fails
/// (a start that exits non-zero, git failing, a missing program).
bool run_start_bench(const StartBenchOptions& options);

} // namespace forgebot::bench
