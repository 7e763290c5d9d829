// Child processes: fork, exec, feed stdin, collect stdout and stderr, wait (with a deadline).
#include "util/process.hpp"

#include "util/error.hpp"
#include "util/posix_support.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace forgebot::util {

std::vector<std::string> child_environment(const ProcessOptions& options) {
    std::map<std::string, std::string> vars;
    if (!options.clean_env) {
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string entry(*e);
            const auto eq = entry.find('=');
            if (eq != std::string::npos) {
                vars[entry.substr(0, eq)] = entry.substr(eq + 1);
            }
        }
    }
    for (const auto& [name, value] : options.env) {
        if (value) {
            vars[name] = *value;
        } else {
            vars.erase(name);
        }
    }
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [name, value] : vars) {
        out.push_back(name + "=" + value);
    }
    return out;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) {
        throw Error(Errc::usage, "cannot run a program: empty command line");
    }
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
        ::pipe2(in_pipe, O_CLOEXEC) != 0) {
        throw Error(Errc::io, std::string("cannot create pipes: ") + std::strerror(errno));
    }
    auto env_strings = child_environment(options);
    auto env_ptrs = exec_pointers(env_strings);
    auto arg_strings = argv;
    auto arg_ptrs = exec_pointers(arg_strings);

    const pid_t pid = ::fork();
    if (pid < 0) {
        throw Error(Errc::io, "cannot start " + argv[0] + ": " + std::strerror(errno));
    }
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        // Rationale: descriptors opened without O_CLOEXEC (Asio's accepted sockets, say) must
        // not leak into the child.
        ::close_range(3, ~0U, 0);
        ::signal(SIGPIPE, SIG_DFL);
        if (options.cwd && ::chdir(options.cwd->c_str()) != 0) {
            const std::string message =
                "cannot enter " + *options.cwd + ": " + std::strerror(errno) + "\n";
            [[maybe_unused]] auto n = ::write(2, message.data(), message.size());
            ::_exit(127);
        }
        ::execvpe(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
        const std::string message = "cannot run " + argv[0] + ": " + std::strerror(errno) + "\n";
        [[maybe_unused]] auto n = ::write(2, message.data(), message.size());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    ProcessResult result;
    std::size_t written = 0;
    int in_fd = in_pipe[1];
    if (options.stdin_data.empty()) {
        close_fd(in_fd);
    }
    int fds[2] = {out_pipe[0], err_pipe[0]};
    std::string* sinks[2] = {&result.out, &result.err};
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (fds[0] >= 0 || fds[1] >= 0) {
        pollfd pfds[3];
        int which[3];
        nfds_t n = 0;
        for (int i = 0; i < 2; ++i) {
            if (fds[i] >= 0) {
                pfds[n] = {fds[i], POLLIN, 0};
                which[n++] = i;
            }
        }
        if (in_fd >= 0) {
            pfds[n] = {in_fd, POLLOUT, 0};
            which[n++] = 2;
        }
        int wait_ms = -1;
        if (options.timeout.count() > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                ::kill(pid, SIGKILL);
                result.timed_out = true;
                break;
            }
            wait_ms = static_cast<int>(left.count());
        }
        const int ready = ::poll(pfds, n, wait_ms);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        for (nfds_t k = 0; ready > 0 && k < n; ++k) {
            if (pfds[k].revents == 0) {
                continue;
            }
            if (which[k] == 2) {
                const ssize_t w = ::write(in_fd, options.stdin_data.data() + written,
                                          options.stdin_data.size() - written);
                if (w > 0) {
                    written += static_cast<std::size_t>(w);
                }
                if ((w < 0 && errno != EINTR && errno != EAGAIN) ||
                    written == options.stdin_data.size()) {
                    close_fd(in_fd);
                }
                continue;
            }
            char buf[8192];
            const ssize_t r = ::read(pfds[k].fd, buf, sizeof buf);
            if (r > 0) {
                sinks[which[k]]->append(buf, static_cast<std::size_t>(r));
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close_fd(fds[which[k]]);
            }
        }
    }
    close_fd(in_fd);
    close_fd(fds[0]);
    close_fd(fds[1]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

} // namespace forgebot::util
