// The orchestrator benchmarks: signed webhook deliveries accepted and stored per second, and the
// time from an agent's signal_done to its run being frozen in the store.
#pragma once

#include <filesystem>
#include <string>

namespace forgebot::bench {

/// What the orchestrator benchmarks run on.
struct OrchestratorBenchOptions {
    std::string forgebot;      ///< the forgebot binary
    std::string fake_forge;    ///< forgebot_fake_forge (bench/fake_forge_main.cpp)
    std::filesystem::path dir; ///< an empty scratch directory; the caller removes it
    double seconds = 3.0;      ///< the webhook load's measured seconds
    double warmup = 0.5;       ///< the webhook load's warm-up seconds
    int runs = 20;             ///< measured runs of the done benchmark, after one warm-up run
};

/// Starts `forgebot orchestrate serve` with the kill switch on (deliveries are checked, stored
/// and processed, nothing is dispatched), posts signed Gitea `issues` deliveries, each with a
/// new delivery id, on 8 keep-alive connections for the warm-up and the measured seconds,
/// SIGKILLs the orchestrator, and looks for every delivery answered 202 in the inbox table.
/// Prints a table and the targets of docs/PERFORMANCE.md; returns whether they passed. Throws
/// std::runtime_error when a step fails (the orchestrator does not start, the store cannot be
/// read).
bool run_webhook_bench(const OrchestratorBenchOptions& options);

/// Starts the fake forge and `forgebot orchestrate serve` armed for it, then, one run at a
/// time, delivers an issue that dispatches a command agent which records the time and calls
/// `forgebot call signal_done`, and polls the store every millisecond until the run is frozen.
/// Prints a table of the latencies and the targets; returns whether they passed. Throws
/// std::runtime_error when a step fails (a run never freezes within 60 s, a server does not
/// start).
bool run_done_bench(const OrchestratorBenchOptions& options);

} // namespace forgebot::bench
