// Where the fake `claude` and `codex` executables are, and what they recorded about each start.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace forgebot::testing {

/// The directory holding the fake `claude` and `codex` executables (tests/fake_agents), built
/// with the test runner. Put it first on PATH so that forgebot starts the fakes.
std::filesystem::path fake_bin_dir();

/// fake_bin_dir(), a colon, and this process's PATH: the PATH a child should get to find the
/// fakes before any real CLI.
std::string path_with_fakes();

/// The records the fakes appended to `home`/fake-agent.jsonl, one per start, oldest first:
/// `provider`, `argv`, `env`, `cwd`, `pid`, `mode`, `session`, `resumed`, `prompt`, `probes`.
/// Empty when the file does not exist. Throws std::runtime_error on a line that is not JSON.
std::vector<nlohmann::json> fake_agent_records(const std::filesystem::path& home);

} // namespace forgebot::testing
