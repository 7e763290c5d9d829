// A child program left running in the background (a server under test): signals, waiting with a
// deadline, and its output, kept in files.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forgebot::testing {

/// How to start a BackgroundProcess.
struct BackgroundOptions {
    /// Variables to set (a value) or unset (std::nullopt) on top of this process's environment.
    std::map<std::string, std::optional<std::string>> env;
    /// Data the child can read from an inherited pipe, by descriptor number (e.g. {3, token});
    /// the write end is closed after the data, so the child reads to end of file.
    std::map<int, std::string> pipes;
    /// Where the child's stdout and stderr go (created or truncated).
    std::filesystem::path stdout_file = "/dev/null";
    std::filesystem::path stderr_file = "/dev/null";
};

/// A started child. The destructor kills (SIGKILL) and reaps it when it is still running, and
/// the child is killed if the thread that started it dies first. Not thread-safe.
class BackgroundProcess {
public:
    /// Starts argv[0] (a path) with argv. Throws std::runtime_error when it cannot be started.
    BackgroundProcess(const std::vector<std::string>& argv, const BackgroundOptions& options);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    pid_t pid() const noexcept { return m_pid; }

    /// Whether the child has not been reaped and has not exited (reaps it when it has).
    bool running();

    /// Sends `signal` to a running child; does nothing once it has been reaped.
    void send_signal(int signal);

    /// Waits up to `timeout` for the child to exit; its exit status (128 + signal number when
    /// killed by a signal), or std::nullopt when it is still running.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);

    /// SIGKILL, then reap; the exit status.
    int kill();

    /// The exit status once reaped.
    std::optional<int> exit_code() const noexcept { return m_exit_code; }

private:
    bool try_reap(bool block);

    pid_t m_pid = -1;
    std::optional<int> m_exit_code;
};

/// The whole content of `file`, or "" when it cannot be read.
std::string read_text(const std::filesystem::path& file);

} // namespace forgebot::testing
