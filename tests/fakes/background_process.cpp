// Background children for integration tests: fork, exec with inherited pipes, signal, reap.
#include "fakes/background_process.hpp"

#include "util/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace forgebot::testing {

namespace {

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

int status_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const BackgroundOptions& options) {
    if (argv.empty()) {
        throw std::runtime_error("BackgroundProcess: empty argv");
    }
    util::ProcessOptions env_options;
    env_options.env = options.env;
    auto env_strings = util::child_environment(env_options);
    auto env_ptrs = pointers(env_strings);
    auto arg_strings = argv;
    auto arg_ptrs = pointers(arg_strings);

    const int out_fd =
        ::open(options.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd =
        ::open(options.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0 || err_fd < 0) {
        fail("cannot open the child's output files");
    }
    // (target descriptor, read end) for each pipe; the data is written before fork, so it must
    // fit the pipe buffer (64 KiB), which is plenty for a token.
    std::vector<std::pair<int, int>> reads;
    for (const auto& [target, data] : options.pipes) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            fail("cannot create a pipe");
        }
        if (::write(fds[1], data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
            fail("cannot fill a pipe");
        }
        ::close(fds[1]);
        reads.emplace_back(target, fds[0]);
    }

    const pid_t parent = ::getpid();
    m_pid = ::fork();
    if (m_pid < 0) {
        fail("cannot fork");
    }
    if (m_pid == 0) {
        // Only async-signal-safe calls from here on.
        // Rationale: a test runner that crashes must not leave servers running behind it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
        const int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        // Move every read end above its target first, so one dup2 cannot clobber another.
        for (auto& [target, fd] : reads) {
            fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 64);
        }
        for (const auto& [target, fd] : reads) {
            ::dup2(fd, target);
        }
        ::execve(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
        ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
    for (const auto& [target, fd] : reads) {
        ::close(fd);
    }
}

BackgroundProcess::~BackgroundProcess() {
    if (!m_exit_code) {
        kill();
    }
}

bool BackgroundProcess::try_reap(bool block) {
    if (m_exit_code) {
        return true;
    }
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(m_pid, &status, block ? 0 : WNOHANG);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r == m_pid) {
            m_exit_code = status_code(status);
            return true;
        }
        if (r < 0) {
            m_exit_code = -1; // reaped elsewhere: nothing left to wait for
            return true;
        }
        return false;
    }
}

bool BackgroundProcess::running() {
    return !try_reap(false);
}

void BackgroundProcess::send_signal(int signal) {
    if (!try_reap(false)) {
        ::kill(m_pid, signal);
    }
}

std::optional<int> BackgroundProcess::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!try_reap(false)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return m_exit_code;
}

int BackgroundProcess::kill() {
    send_signal(SIGKILL);
    try_reap(true);
    return *m_exit_code;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace forgebot::testing
