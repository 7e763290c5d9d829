// Child processes for integration tests: fork, exec, collect stdout and stderr, wait.
#include "fakes/process.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace forgebot::testing {

namespace {

std::vector<std::string> merged_environment(const RunOptions& options) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string::npos) {
            vars[entry.substr(0, eq)] = entry.substr(eq + 1);
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
    for (const auto& [name, value] : vars) {
        out.push_back(name + "=" + value);
    }
    return out;
}

} // namespace

RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options) {
    if (argv.empty()) {
        throw std::runtime_error("run_program: empty argv");
    }
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
        ::pipe2(in_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    const auto env_strings = merged_environment(options);
    std::vector<char*> env_ptrs;
    for (const auto& s : env_strings) {
        env_ptrs.push_back(const_cast<char*>(s.c_str()));
    }
    env_ptrs.push_back(nullptr);
    std::vector<char*> arg_ptrs;
    for (const auto& s : argv) {
        arg_ptrs.push_back(const_cast<char*>(s.c_str()));
    }
    arg_ptrs.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        if (options.cwd && ::chdir(options.cwd->c_str()) != 0) {
            ::_exit(126);
        }
        ::execvpe(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    RunResult result;
    std::size_t written = 0;
    int in_fd = in_pipe[1];
    if (options.stdin_data.empty()) {
        ::close(in_fd);
        in_fd = -1;
    }
    int fds[2] = {out_pipe[0], err_pipe[0]};
    std::string* sinks[2] = {&result.out, &result.err};
    while (fds[0] >= 0 || fds[1] >= 0 || in_fd >= 0) {
        pollfd pfds[3];
        nfds_t n = 0;
        int which[3];
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
        if (::poll(pfds, n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        for (nfds_t k = 0; k < n; ++k) {
            if (pfds[k].revents == 0) {
                continue;
            }
            if (which[k] == 2) {
                const auto rest = options.stdin_data.size() - written;
                const ssize_t w = ::write(in_fd, options.stdin_data.data() + written, rest);
                if (w > 0) {
                    written += static_cast<std::size_t>(w);
                }
                if (w < 0 || written == options.stdin_data.size()) {
                    ::close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            char buf[4096];
            const ssize_t r = ::read(pfds[k].fd, buf, sizeof buf);
            if (r > 0) {
                sinks[which[k]]->append(buf, static_cast<std::size_t>(r));
            } else if (r == 0 || errno != EINTR) {
                ::close(pfds[k].fd);
                fds[which[k]] = -1;
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

RunResult run_forgebot(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv{FORGEBOT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, options);
}

} // namespace forgebot::testing
