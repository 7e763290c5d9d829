// Long-running children: fork and exec with chosen descriptors, process groups and signals.
#include "util/child.hpp"

#include "util/error.hpp"
#include "util/posix_support.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace forgebot::util {

namespace {

[[noreturn]] void child_fail(const std::string& what) {
    const std::string message = what + ": " + std::strerror(errno) + "\n";
    [[maybe_unused]] auto n = ::write(2, message.data(), message.size());
    ::_exit(127);
}

int decode(int status) noexcept {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

Child Child::spawn(const SpawnOptions& options) {
    if (options.argv.empty()) {
        throw Error(Errc::usage, "cannot run a program: empty command line");
    }
    int out_pipe[2] = {-1, -1};
    int in_pipe[2] = {-1, -1};
    if ((options.out == Stdio::pipe && ::pipe2(out_pipe, O_CLOEXEC) != 0) ||
        (options.in == Stdio::pipe && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
        const int saved = errno;
        close_fd(out_pipe[0]);
        close_fd(out_pipe[1]);
        throw Error(Errc::io, std::string("cannot create pipes: ") + std::strerror(saved));
    }
    auto env_strings = options.env;
    auto env_ptrs = exec_pointers(env_strings);
    auto arg_strings = options.argv;
    auto arg_ptrs = exec_pointers(arg_strings);
    const std::string cwd = options.cwd ? options.cwd->string() : std::string();

    const pid_t pid = ::fork();
    if (pid < 0) {
        const int saved = errno;
        for (int* fd : {&out_pipe[0], &out_pipe[1], &in_pipe[0], &in_pipe[1]}) {
            close_fd(*fd);
        }
        throw Error(Errc::io, "cannot start " + options.argv[0] + ": " + std::strerror(saved));
    }
    if (pid == 0) {
        if (options.new_process_group) {
            ::setpgid(0, 0);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGTTOU, SIGTTIN}) {
            ::signal(sig, SIG_DFL);
        }
        if (options.in != Stdio::inherit) {
            const int fd = options.in == Stdio::pipe ? in_pipe[0] : ::open("/dev/null", O_RDONLY);
            if (fd < 0 || ::dup2(fd, 0) < 0) {
                child_fail("cannot set up stdin");
            }
        }
        if (options.out != Stdio::inherit) {
            const int fd = options.out == Stdio::pipe ? out_pipe[1] : ::open("/dev/null", O_WRONLY);
            if (fd < 0 || ::dup2(fd, 1) < 0) {
                child_fail("cannot set up stdout");
            }
        }
        if (options.err_fd >= 0 && ::dup2(options.err_fd, 2) < 0) {
            child_fail("cannot set up stderr");
        }
        // Rationale: every descriptor but 0-2 and the ones asked for is closed, whether or not
        // it was opened close-on-exec (a database handle, a listening socket, a token pipe of
        // another run).
        int next = 3;
        std::vector<int> keep = options.keep_fds;
        std::sort(keep.begin(), keep.end());
        for (const int fd : keep) {
            if (fd > next) {
                ::close_range(static_cast<unsigned>(next), static_cast<unsigned>(fd - 1), 0);
            }
            const int flags = ::fcntl(fd, F_GETFD);
            if (flags >= 0) {
                ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
            }
            next = std::max(next, fd + 1);
        }
        ::close_range(static_cast<unsigned>(next), ~0U, 0);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
            child_fail("cannot enter " + cwd);
        }
        ::execvpe(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
        child_fail("cannot run " + options.argv[0]);
    }
    if (options.new_process_group) {
        // Rationale: set the group from both sides so a signal sent right after spawn reaches
        // the group even before the child has run.
        ::setpgid(pid, pid);
    }
    close_fd(out_pipe[1]);
    close_fd(in_pipe[0]);
    Child child;
    child.m_pid = pid;
    child.m_group = options.new_process_group;
    child.m_out = out_pipe[0];
    child.m_in = in_pipe[1];
    child.m_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (child.m_pidfd >= 0) {
        ::fcntl(child.m_pidfd, F_SETFD, FD_CLOEXEC);
    }
    return child;
}

Child::Child(Child&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1)), m_group(other.m_group),
      m_out(std::exchange(other.m_out, -1)), m_in(std::exchange(other.m_in, -1)),
      m_pidfd(std::exchange(other.m_pidfd, -1)), m_status(other.m_status) {}

Child& Child::operator=(Child&& other) noexcept {
    if (this != &other) {
        close_stdout();
        close_stdin();
        close_fd(m_pidfd);
        m_pid = std::exchange(other.m_pid, -1);
        m_pidfd = std::exchange(other.m_pidfd, -1);
        m_group = other.m_group;
        m_out = std::exchange(other.m_out, -1);
        m_in = std::exchange(other.m_in, -1);
        m_status = other.m_status;
    }
    return *this;
}

Child::~Child() {
    close_stdout();
    close_stdin();
    close_fd(m_pidfd);
}

void Child::close_stdout() noexcept {
    close_fd(m_out);
}

void Child::close_stdin() noexcept {
    close_fd(m_in);
}

std::optional<int> Child::try_wait() {
    if (m_status || m_pid < 0) {
        return m_status;
    }
    int status = 0;
    const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
    if (done == m_pid) {
        m_status = decode(status);
    }
    return m_status;
}

int Child::wait() {
    if (m_status || m_pid < 0) {
        return m_status.value_or(-1);
    }
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0) {
        if (errno != EINTR) {
            m_status = -1;
            return -1;
        }
    }
    m_status = decode(status);
    return *m_status;
}

void Child::signal(int sig) const noexcept {
    if (m_pid <= 0) {
        return;
    }
    if (m_group) {
        ::kill(-m_pid, sig);
    } else if (!m_status) {
        ::kill(m_pid, sig);
    }
}

int Child::terminate(std::chrono::milliseconds grace) {
    signal(SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!try_wait() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    signal(SIGKILL);
    return wait();
}

bool signal_group(pid_t pgid, int sig) noexcept {
    return pgid > 0 && ::kill(-pgid, sig) == 0;
}

bool process_alive(pid_t pid) noexcept {
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) {
        return false;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
        return true;
    }
    const auto paren = line.rfind(')');
    return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

std::optional<std::string> get_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
        return std::nullopt;
    }
    return std::string(value);
}

std::optional<std::filesystem::path> find_program(const std::string& program,
                                                  const std::string& path) {
    namespace fs = std::filesystem;
    auto usable = [](const fs::path& candidate) -> std::optional<fs::path> {
        std::error_code ec;
        const auto real = fs::canonical(candidate, ec);
        struct stat st {};
        if (ec || ::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
            ::access(real.c_str(), X_OK) != 0) {
            return std::nullopt;
        }
        return real;
    };
    if (program.empty()) {
        return std::nullopt;
    }
    if (program.find('/') != std::string::npos) {
        return usable(program);
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find(':', start), path.size());
        const std::string dir = path.substr(start, end - start);
        if (!dir.empty()) {
            if (auto found = usable(fs::path(dir) / program)) {
                return found;
            }
        }
        start = end + 1;
    }
    return std::nullopt;
}

} // namespace forgebot::util
