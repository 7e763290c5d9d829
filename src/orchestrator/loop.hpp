// The orchestrator's loop: webhook deliveries in, decisions (dispatch, freeze, rehydrate,
// destroy), the watchdog. One step() per iteration, so a test can drive it.
#pragma once

#include "bottle/session.hpp"
#include "forge/forge.hpp"
#include "orchestrator/config.hpp"
#include "orchestrator/poll.hpp"
#include "orchestrator/webhook.hpp"
#include "store/bottle_store.hpp"
#include "store/database.hpp"
#include "store/forge_state.hpp"
#include "store/inbox_store.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace forgebot::orchestrator {

/// Starts the headless runs the loop decides on (as `forgebot orchestrate start|resume`
/// children in the binary; a recorder in tests). Not thread-safe.
class Launcher {
public:
    virtual ~Launcher() = default;

    /// Starts a bottle for the issue. Throws Error when it cannot be started at all.
    virtual void start(const store::QueuedDispatch& dispatch, const std::string& prompt) = 0;

    /// Resumes the frozen bottle `slug` with `prompt`.
    virtual void resume(const std::string& slug, const std::string& prompt) = 0;

    /// A `start` child that ended, and how.
    struct Ended {
        std::string owner;
        std::string repo;
        std::int64_t issue = 0;
        int exit_code = 0;
    };

    /// Reaps children that ended and returns the `start` children among them; called once per
    /// step.
    virtual std::vector<Ended> reap() { return {}; }

    /// Whether a `start` child for the issue may still run: this launcher's, or one that an
    /// orchestrator stopped or killed since started.
    virtual bool starting(const std::string& owner, const std::string& repo,
                          std::int64_t issue) = 0;

    /// Whether a `resume` child for bottle `slug` may still run, as for starting().
    virtual bool resuming(const std::string& slug) = 0;
};

/// What the loop needs from outside: forges, the store, the bottles, a clock, a log.
struct LoopContext {
    Config config;
    store::Database* db = nullptr;
    bottle::Sessions* sessions = nullptr;
    Launcher* launcher = nullptr;
    std::filesystem::path home; ///< FORGEBOT_HOME (bottles live below it)
    /// A forge client for a repository of a configured forge.
    ForgeOpener open_forge;
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
    /// One line per decision.
    std::function<void(const std::string&)> log;
    /// How long an agent that signalled done may keep running before it is stopped.
    std::chrono::milliseconds stop_grace{std::chrono::seconds(10)};
    /// How often the watchdog looks (it also looks on the first step).
    std::chrono::milliseconds watchdog_interval{std::chrono::minutes(1)};
    /// How often to poll the forges (see Poller; also on the first step); std::nullopt: never.
    /// Never while the kill switch is on.
    std::optional<std::chrono::milliseconds> poll_interval;
};

/// The decision loop. Every decision is made from the store, so a restarted loop carries on
/// where a killed one stopped: deliveries are marked processed and done events recorded only
/// after their effect is stored.
class Loop {
public:
    explicit Loop(LoopContext context);

    /// One iteration: when due, poll the forges into the inbox; process stored deliveries, done
    /// events in running bottles' queues, agents that ended without signalling, waiting dispatches
    /// (up to max_concurrent), agents past their stop grace, and, when due, the watchdog. Never
    /// throws for one bad delivery or run; each is logged and the rest go on.
    void step();

    /// The queue directories (`new/`) of running bottles, to watch for done events.
    std::vector<std::filesystem::path> watched_queues();

private:
    void process_delivery(const store::Delivery& delivery);
    std::string decide(const std::string& forge, const WebhookEvent& event);
    std::string on_issue(const std::string& forge, const WebhookEvent& event);
    std::string on_comment(const std::string& forge, const WebhookEvent& event);
    std::string on_pull_request(const std::string& forge, const WebhookEvent& event);
    void process_done_events();
    void process_done(store::ForgeState state, const nlohmann::json& event);
    void process_exits();
    void dispatch_waiting();
    void stop_lingering();
    /// A running run: its state, and its bottle once the bottle exists.
    struct Run {
        store::ForgeState state;
        std::optional<store::BottleRecord> record;
    };
    std::vector<Run> running_runs();
    void check_sidecars();
    void watchdog();
    void freeze(store::ForgeState state, const std::string& flag, bool stop_now,
                std::optional<std::int64_t> pr = std::nullopt, bool needs_human = false);
    std::optional<store::ForgeState> run_for(const std::string& forge, const WebhookEvent& event);
    std::string rehydrate_prompt(forge::Forge& client, const store::ForgeState& state,
                                 const WebhookEvent& event);
    std::int64_t last_comment_id(forge::Forge& client, const store::ForgeState& state);
    std::size_t running_count();
    std::string bot_user(const std::string& forge, forge::Forge& client);
    void forget_failed_dispatches();
    void reconcile_frozen();

    LoopContext m_context;
    store::ForgeStateStore m_states;
    store::InboxStore m_inbox;
    /// Bottles that signalled done and may run until the time given, then are stopped.
    std::map<std::string, std::chrono::system_clock::time_point> m_lingering;
    std::map<std::string, std::string> m_bot_users; ///< per forge, asked once
    std::optional<std::chrono::system_clock::time_point> m_next_watchdog;
    bool m_reconciled = false;         ///< reconcile_frozen() ran (on the first step)
    std::set<std::int64_t> m_deferred; ///< deliveries logged as deferred
    Poller m_poller;
    std::optional<std::chrono::system_clock::time_point> m_next_poll;
};

/// The prompt of a first dispatch for an issue.
std::string issue_prompt(const forge::Issue& issue, const std::string& owner,
                         const std::string& repo);

} // namespace forgebot::orchestrator
