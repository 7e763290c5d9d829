// The real `forgebot sidecar` running in the background for integration tests, with its socket,
// queue, audit log and FORGEBOT_HOME laid out under one short temporary directory.
#pragma once

#include "fakes/background_process.hpp"
#include "fakes/process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace forgebot::testing {

/// A token distinctive enough to grep for in everything the sidecar writes.
inline constexpr const char* k_sidecar_test_token = "fbtok-7c1e5a90d2b34f68aa0e";

/// How the sidecar is handed its token.
enum class TokenVia { fd, file, env, none };

/// The sidecar's command line, within reason.
struct SidecarSettings {
    std::string api_url; ///< the fake forge's base_url()
    std::string forge = "gitea";
    std::string owner = "o";
    std::string repo = "r";
    std::int64_t issue = 17;
    std::vector<std::int64_t> prs;
    std::string identity = "claude-ab3de";
    std::string token = k_sidecar_test_token;
    TokenVia token_via = TokenVia::fd;
    std::vector<std::string> extra_args; ///< e.g. {"--workspace", DIR, "--branch", NAME}
    std::filesystem::path socket;        ///< empty: ROOT/s/sock
};

/// One sidecar. Paths under `root`: the socket `s/sock` unless the settings name one (its
/// directory left for the sidecar to create), the queue `run/queue`, the default audit log
/// `run/audit.jsonl`, FORGEBOT_HOME `home`, the token file `token`, and each start's stderr
/// `stderr.N`. The destructor kills a sidecar still running. Not thread-safe.
class SidecarProcess {
public:
    SidecarProcess(std::filesystem::path root, SidecarSettings settings);

    /// Starts the sidecar and waits until `GET /health` answers 200. Throws std::runtime_error
    /// with its stderr when it exits first or is not ready within `timeout`.
    void start(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Starts the sidecar without waiting for it (for start-up failures).
    void spawn();

    /// SIGTERM, then waits up to `timeout`; the exit status, or -1 when it is still running.
    int stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));

    /// SIGKILL; the exit status.
    int kill();

    /// The running (or last) process; spawn() first.
    BackgroundProcess& process();

    /// The full argument list after the binary (no token in it).
    std::vector<std::string> args() const;

    /// Everything every start of this sidecar wrote to stderr.
    std::string stderr_text() const;

    /// The sidecar's answer to one JSON-RPC request (a fresh connection).
    nlohmann::json call(const std::string& method, nlohmann::json params = nullptr,
                        nlohmann::json id = 1) const;

    /// The audit log's lines, each parsed (a line that is not JSON throws).
    std::vector<nlohmann::json> audit_lines() const;

    /// Options that point `forgebot call` at this sidecar through FORGEBOT_SIDECAR_SOCKET.
    RunOptions call_options() const;

    const std::filesystem::path& socket() const noexcept { return m_socket; }
    const std::filesystem::path& queue_dir() const noexcept { return m_queue_dir; }
    std::filesystem::path audit_log() const { return m_queue_dir.parent_path() / "audit.jsonl"; }
    const std::filesystem::path& home() const noexcept { return m_home; }
    std::filesystem::path database() const { return m_home / "forgebot.db"; }
    SidecarSettings& settings() noexcept { return m_settings; }

private:
    std::filesystem::path m_root;
    std::filesystem::path m_socket;
    std::filesystem::path m_queue_dir;
    std::filesystem::path m_home;
    SidecarSettings m_settings;
    int m_starts = 0;
    std::unique_ptr<BackgroundProcess> m_process;
};

/// Whether `GET /health` on `socket` answers 200 right now.
bool sidecar_healthy(const std::filesystem::path& socket);

} // namespace forgebot::testing
