// Long-running children: spawn with chosen descriptors, environment and process group; signal
// the whole group; wait with or without blocking.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forgebot::util {

/// What a child's standard input or output is connected to.
enum class Stdio {
    inherit, ///< the parent's own descriptor (a terminal, say)
    null,    ///< /dev/null
    pipe,    ///< a pipe whose other end the parent reads (stdout) or writes (stdin)
};

/// How to start a child.
struct SpawnOptions {
    std::vector<std::string> argv; ///< argv[0] searched on the parent's PATH without a slash
    std::vector<std::string> env;  ///< the child's whole environment, NAME=VALUE
    std::optional<std::filesystem::path> cwd;
    bool new_process_group = false; ///< the child leads its own group (setpgid)
    Stdio in = Stdio::null;
    Stdio out = Stdio::inherit;
    int err_fd = -1;           ///< stderr: this descriptor, or -1 to inherit
    std::vector<int> keep_fds; ///< inherited at the same numbers (all others closed)
};

/// A running (or finished) child. The destructor closes the parent's pipe ends; it neither
/// kills nor reaps the child (call wait()). Not thread-safe. Move-only.
class Child {
public:
    /// Forks and execs `options.argv`. The child starts with default signal dispositions and an
    /// empty signal mask, SIGPIPE included. Throws Error{Errc::io} when it cannot be created;
    /// a failed exec makes the child exit 127 after writing the reason to its stderr.
    static Child spawn(const SpawnOptions& options);

    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    pid_t pid() const noexcept { return m_pid; }

    /// The read end of the child's stdout pipe, or -1.
    int stdout_fd() const noexcept { return m_out; }

    /// The write end of the child's stdin pipe, or -1.
    int stdin_fd() const noexcept { return m_in; }

    /// A descriptor that polls readable once the child has ended (a pidfd), or -1 where the
    /// kernel has none.
    int exit_fd() const noexcept { return m_pidfd; }

    /// Closes the parent's end of the stdout pipe (stop reading) or stdin pipe (send EOF).
    void close_stdout() noexcept;
    void close_stdin() noexcept;

    /// The exit status (128 + signal number when killed) if the child has ended, without
    /// blocking; std::nullopt while it runs.
    std::optional<int> try_wait();

    /// Blocks until the child ends; its exit status. Idempotent.
    int wait();

    /// Sends `signal` to the child's process group when it leads one, else to the child.
    /// Harmless after the group is gone.
    void signal(int signal) const noexcept;

    /// SIGTERM to the group, up to `grace` for the child to end, then SIGKILL to the group and
    /// a final wait. The exit status. Stray members of the group (grandchildren) get the
    /// SIGKILL too, even when the child itself ended on the SIGTERM.
    int terminate(std::chrono::milliseconds grace);

private:
    Child() = default;

    pid_t m_pid = -1;
    bool m_group = false;
    int m_out = -1;
    int m_in = -1;
    int m_pidfd = -1;
    std::optional<int> m_status;
};

/// Sends `signal` to process group `pgid` (as recorded by another process); false when no
/// such group exists.
bool signal_group(pid_t pgid, int signal) noexcept;

/// Whether a process with this pid exists (and is not a zombie of ours already reaped).
bool process_alive(pid_t pid) noexcept;

/// The environment of this process as NAME → VALUE lookups.
std::optional<std::string> get_env(const std::string& name);

/// The absolute, symlink-free path of `program` searched on `path` (a PATH value) when it has
/// no slash; std::nullopt when not found or not executable.
std::optional<std::filesystem::path> find_program(const std::string& program,
                                                  const std::string& path);

} // namespace forgebot::util
