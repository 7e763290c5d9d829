// Spawning and reaping the orchestrator's `forgebot orchestrate start|resume` children.
#include "orchestrator/process_launcher.hpp"

#include "store/home.hpp"
#include "util/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

extern char** environ;

namespace forgebot::orchestrator {

namespace {

std::string start_log(const std::string& owner, const std::string& repo, std::int64_t issue) {
    return owner + "-" + repo + "-" + std::to_string(issue) + ".log";
}

std::string resume_log(const std::string& slug) {
    return slug + ".log";
}

/// Whether some process holds the flock on `log`.
bool locked(const std::filesystem::path& log) {
    const int fd = ::open(log.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return held;
}

} // namespace

ProcessLauncher::ProcessLauncher(std::filesystem::path forgebot, std::filesystem::path log_dir)
    : m_forgebot(std::move(forgebot)), m_log_dir(std::move(log_dir)) {}

util::Child ProcessLauncher::spawn(const std::vector<std::string>& args,
                                   const std::string& log_name) {
    store::ensure_private_dir(m_log_dir);
    const auto log = m_log_dir / log_name;
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw Error(Errc::io, "cannot open " + log.string() + ": " + std::strerror(errno));
    }
    // Rationale: the lock belongs to the open file, which the child's stderr shares, so it is
    // held until the child (and anything that inherited its stderr) has ended.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd);
        throw Error(Errc::failure,
                    error == EWOULDBLOCK
                        ? "a child logging to " + log.string() + " still runs"
                        : "cannot lock " + log.string() + ": " + std::strerror(error));
    }
    util::SpawnOptions options;
    options.argv = {m_forgebot.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    for (char** e = environ; *e != nullptr; ++e) {
        options.env.emplace_back(*e);
    }
    options.new_process_group = true;
    options.in = util::Stdio::null;
    options.out = util::Stdio::null;
    options.err_fd = fd;
    try {
        auto child = util::Child::spawn(options);
        ::close(fd);
        return child;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

void ProcessLauncher::start(const store::QueuedDispatch& dispatch, const std::string& prompt) {
    std::vector<std::string> args{"orchestrate", "start",
                                  "--agent",     dispatch.agent,
                                  "--prompt",    prompt,
                                  "--forge",     dispatch.forge,
                                  "--owner",     dispatch.owner,
                                  "--repo",      dispatch.repo,
                                  "--issue",     std::to_string(dispatch.issue_number)};
    if (dispatch.bottle) {
        args.insert(args.end(), {"--bottle", *dispatch.bottle});
    }
    auto child = spawn(args, start_log(dispatch.owner, dispatch.repo, dispatch.issue_number));
    m_children.push_back(
        Running{std::move(child), true, dispatch.owner, dispatch.repo, dispatch.issue_number});
}

void ProcessLauncher::resume(const std::string& slug, const std::string& prompt) {
    auto child =
        spawn({"orchestrate", "resume", "--slug", slug, "--prompt", prompt}, resume_log(slug));
    m_children.push_back(Running{std::move(child), false, {}, {}, 0});
}

std::vector<Launcher::Ended> ProcessLauncher::reap() {
    std::vector<Ended> ended;
    for (auto it = m_children.begin(); it != m_children.end();) {
        if (const auto status = it->child.try_wait()) {
            if (it->is_start) {
                ended.push_back(Ended{it->owner, it->repo, it->issue, *status});
            }
            it = m_children.erase(it);
        } else {
            ++it;
        }
    }
    return ended;
}

bool ProcessLauncher::starting(const std::string& owner, const std::string& repo,
                               std::int64_t issue) {
    return locked(m_log_dir / start_log(owner, repo, issue));
}

bool ProcessLauncher::resuming(const std::string& slug) {
    return locked(m_log_dir / resume_log(slug));
}

} // namespace forgebot::orchestrator
