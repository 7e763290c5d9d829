// The Launcher of `orchestrate serve`: each run is a `forgebot orchestrate start|resume` child
// in its own process group, logging to a file it holds locked, which outlives the orchestrator
// if it stops.
#pragma once

#include "orchestrator/loop.hpp"
#include "util/child.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace forgebot::orchestrator {

class ProcessLauncher final : public Launcher {
public:
    /// `forgebot` is the binary to run; children log to `log_dir/OWNER-REPO-ISSUE.log` (start)
    /// and `log_dir/SLUG.log` (resume). A child holds an flock on its log for as long as it
    /// runs, which is how starting() and resuming() see children of an earlier orchestrator.
    ProcessLauncher(std::filesystem::path forgebot, std::filesystem::path log_dir);

    /// Throws Error when the log cannot be opened, a child for the same log still runs, or the
    /// child cannot be spawned.
    void start(const store::QueuedDispatch& dispatch, const std::string& prompt) override;
    /// Throws as start() does.
    void resume(const std::string& slug, const std::string& prompt) override;
    std::vector<Ended> reap() override;
    bool starting(const std::string& owner, const std::string& repo, std::int64_t issue) override;
    bool resuming(const std::string& slug) override;

private:
    struct Running {
        util::Child child;
        bool is_start = false;
        std::string owner;
        std::string repo;
        std::int64_t issue = 0;
    };
    util::Child spawn(const std::vector<std::string>& args, const std::string& log_name);

    std::filesystem::path m_forgebot;
    std::filesystem::path m_log_dir;
    std::vector<Running> m_children;
};

} // namespace forgebot::orchestrator
