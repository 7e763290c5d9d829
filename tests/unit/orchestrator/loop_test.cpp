// Tests of orchestrator::Loop, one step() at a time: deliveries stored in the inbox and done
// events in bottle queues go in; the store, the launches asked of a recording Launcher and the
// writes the loopback forge received come out.
#include "bottle/identity.hpp"
#include "bottle/session.hpp"
#include "fakes/fake_forge.hpp"
#include "fakes/temp_dir.hpp"
#include "orchestrator/labels.hpp"
#include "orchestrator/loop.hpp"
#include "store/bottle_store.hpp"
#include "store/database.hpp"
#include "store/forge_state.hpp"
#include "store/inbox_store.hpp"
#include "util/child.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace forgebot;
using forgebot::testing::FakeForge;
using forgebot::testing::FakeForgeFlavor;
using forgebot::testing::FakeIssue;
using nlohmann::json;

namespace {

constexpr const char* k_token = "fbtok-loop-6d02a9";
constexpr const char* k_bot = "forgebot-bot";

/// Thrown where the orchestrator is killed: it leaves step() at once, past every catch.
struct Killed {};

/// Records what the loop asks to launch, as `start o/r#17 claude` or `resume SLUG`, with the
/// prompt, and keeps each child "running" until the test ends it. Refuses every launch while
/// `refuse` is set; `kill` makes the next launch kill the orchestrator just before or just
/// after the spawn.
class RecordingLauncher final : public orchestrator::Launcher {
public:
    struct Launch {
        std::string what;
        std::string prompt;
    };
    enum class Kill { no, before_spawn, after_spawn };
    std::vector<Launch> launches;
    bool refuse = false;
    Kill kill = Kill::no;

    void start(const store::QueuedDispatch& dispatch, const std::string& prompt) override {
        launch(start_key(dispatch.owner, dispatch.repo, dispatch.issue_number),
               " " + dispatch.agent, prompt);
    }
    void resume(const std::string& slug, const std::string& prompt) override {
        launch("resume " + slug, "", prompt);
    }
    std::vector<Ended> reap() override { return std::exchange(m_ended, {}); }
    bool starting(const std::string& owner, const std::string& repo, std::int64_t issue) override {
        return m_alive.contains(start_key(owner, repo, issue));
    }
    bool resuming(const std::string& slug) override { return m_alive.contains("resume " + slug); }

    /// The child `key` (`start o/r#17`, `resume SLUG`) ends with `exit_code`; reap() reports a
    /// start child unless it belonged to an orchestrator killed since (`reaped` false).
    void end(const std::string& key, int exit_code = 0, bool reaped = true) {
        REQUIRE(m_alive.erase(key) == 1);
        if (reaped && key.starts_with("start o/r#")) {
            m_ended.push_back({"o", "r", std::stoll(key.substr(10)), exit_code});
        }
    }

    std::vector<std::string> whats() const {
        std::vector<std::string> out;
        for (const auto& launch : launches) {
            out.push_back(launch.what);
        }
        return out;
    }

private:
    static std::string start_key(const std::string& owner, const std::string& repo,
                                 std::int64_t issue) {
        return "start " + owner + "/" + repo + "#" + std::to_string(issue);
    }
    void launch(const std::string& key, const std::string& suffix, const std::string& prompt) {
        const Kill now = std::exchange(kill, Kill::no);
        if (now == Kill::before_spawn) {
            throw Killed{};
        }
        if (refuse) {
            throw Error(Errc::io, "cannot spawn");
        }
        launches.push_back({key + suffix, prompt});
        m_alive.insert(key);
        if (now == Kill::after_spawn) {
            throw Killed{};
        }
    }

    std::set<std::string> m_alive;
    std::vector<Ended> m_ended;
};

/// A Gitea payload's repository o/r (or o/NAME).
json repository(const std::string& name = "r") {
    return {{"name", name}, {"owner", {{"login", "o"}}}};
}

/// An `issues` payload for issue `number` with its labels and assignees.
json issue_event(const std::string& action, std::int64_t number,
                 const std::vector<std::string>& labels, const std::vector<std::string>& assignees,
                 const std::string& state = "open", const std::string& repo = "r") {
    json label_list = json::array();
    for (const auto& label : labels) {
        label_list.push_back({{"name", label}});
    }
    json assignee_list = json::array();
    for (const auto& user : assignees) {
        assignee_list.push_back({{"login", user}});
    }
    return {{"action", action},
            {"issue",
             {{"number", number},
              {"state", state},
              {"labels", label_list},
              {"assignees", assignee_list},
              {"pull_request", nullptr}}},
            {"repository", repository(repo)},
            {"sender", {{"login", "ann"}}}};
}

/// An `issue_comment` payload: comment `id` by `user` on issue or PR `number`.
json comment_event(std::int64_t number, bool on_pull, std::int64_t id, const std::string& user) {
    return {{"action", "created"},
            {"issue",
             {{"number", number},
              {"state", "open"},
              {"pull_request", on_pull ? json{{"merged", false}} : json(nullptr)}}},
            {"comment", {{"id", id}, {"body", "see the forge"}, {"user", {{"login", user}}}}},
            {"repository", repository()},
            {"sender", {{"login", user}}}};
}

/// A `pull_request` payload closing (or merging) PR `number`.
json pr_closed_event(std::int64_t number, bool merged) {
    return {
        {"action", "closed"},
        {"pull_request",
         {{"number", number}, {"state", "closed"}, {"merged", merged}, {"head", {{"ref", "x"}}}}},
        {"repository", repository()},
        {"sender", {{"login", "ann"}}}};
}

const std::vector<std::string> k_target{"forgebot:claude"};
const std::vector<std::string> k_member{"ann"};

/// A store under a temporary FORGEBOT_HOME, the loopback Gitea serving o/r (members of org
/// `forgebot`: ann; the bot's login: forgebot-bot), a recording launcher and a clock the test
/// moves, and a Loop over them, made anew by restart().
struct LoopWorld {
    forgebot::testing::TempDir dir;
    std::filesystem::path home = dir.path() / "home";
    store::Database db{home / "forgebot.db"};
    store::BottleStore bottles{db};
    store::ForgeStateStore states{db};
    store::InboxStore inbox{db};
    std::ostringstream console_out;
    std::ostringstream console_err;
    std::istringstream console_in;
    FakeForge forge{FakeForgeFlavor::gitea};
    bottle::Sessions sessions{&bottles, home, [this](const std::string&) { return connection(); },
                              bottle::Console{console_out, console_err, console_in}};
    RecordingLauncher launcher;
    orchestrator::Config config;
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    std::vector<std::string> log;
    std::unique_ptr<orchestrator::Loop> loop;
    int deliveries = 0;
    bool kill_on_forge = false; ///< the next forge client asked for kills the orchestrator

    LoopWorld() {
        forge.set_token(k_token);
        forge.set_user(k_bot);
        forge.add_org_member("forgebot", "ann");
        forge.add_repo_label(std::string(orchestrator::k_in_progress_label));
        forge.add_repo_label(std::string(orchestrator::k_needs_human_label));
        for (std::int64_t n = 17; n <= 19; ++n) {
            FakeIssue issue;
            issue.number = n;
            issue.title = "Fix crash " + std::to_string(n);
            issue.body = "It crashes.";
            issue.labels = k_target;
            forge.put_issue(issue);
        }
        config.kill_switch = false;
        config.allowlist = {"o/r"};
        config.max_concurrent = 2;
        orchestrator::ForgeEntry entry;
        entry.name = "local";
        entry.api_url = forge.base_url();
        config.forges = {entry};
        restart();
    }

    bottle::ForgeConnection connection() const {
        return {"local", forge::ForgeKind::gitea, forge.base_url(), k_token};
    }

    /// A new Loop over the same store, as after a restart of `orchestrate serve`.
    void restart() {
        orchestrator::LoopContext context;
        context.config = config;
        context.db = &db;
        context.sessions = &sessions;
        context.launcher = &launcher;
        context.home = home;
        context.open_forge = [this](const std::string&, const std::string& owner,
                                    const std::string& repo) {
            if (std::exchange(kill_on_forge, false)) {
                throw Killed{};
            }
            return orchestrator::open_forge(connection(), owner, repo);
        };
        context.now = [this] {
            return now;
        };
        context.log = [this](const std::string& line) {
            log.push_back(line);
        };
        context.stop_grace = std::chrono::seconds(5);
        loop = std::make_unique<orchestrator::Loop>(std::move(context));
    }

    void step() { loop->step(); }

    /// Stores a signed-and-checked Gitea delivery, as the HTTP front does.
    void deliver(const std::string& event, const std::string& type, const json& payload) {
        const json headers{{"X-Gitea-Event", event},
                           {"X-Gitea-Event-Type", type},
                           {"X-Gitea-Delivery", "d-" + std::to_string(++deliveries)}};
        REQUIRE(
            inbox.add("local", "d-" + std::to_string(deliveries), headers.dump(), payload.dump()));
    }

    void trigger(std::int64_t number, const std::vector<std::string>& labels = k_target,
                 const std::vector<std::string>& assignees = k_member) {
        deliver("issues", "issues", issue_event("labeled", number, labels, assignees));
    }

    std::optional<store::ForgeState> state(std::int64_t number) {
        return states.get("o", "r", number);
    }

    /// What an `orchestrate start` child does once its bottle runs: the bottle record (running
    /// as `agent_pid`, or with its agent already gone; or as `status` says), the state with the
    /// slug, and the in-progress label.
    void bottle_runs(std::int64_t number, const std::string& slug,
                     const std::string& status = bottle::status::running,
                     std::optional<int> agent_pid = std::nullopt) {
        const auto paths = bottle::bottle_paths(home, slug);
        std::filesystem::create_directories(paths.workspace);
        std::filesystem::create_directories(paths.queue / "new");
        store::BottleRecord record;
        record.identity = slug;
        record.agent = "claude";
        record.backend = "process";
        record.workspace = paths.workspace;
        record.branch = "forgebot/" + std::to_string(number) + "-" + slug;
        record.status = status;
        record.pid = agent_pid;
        record.created_at = std::chrono::time_point_cast<std::chrono::seconds>(now);
        record.issue = store::IssueKey{"o", "r", number};
        record.details = json{{"workspace_kind", "copy"}}.dump();
        bottles.upsert(record);
        auto row = state(number).value_or(store::ForgeState{});
        row.owner = "o";
        row.repo = "r";
        row.issue_number = number;
        row.slug = slug;
        row.agent_name = "claude";
        row.forge_name = "local";
        row.status = store::RunStatus::running;
        states.upsert(row);
        auto issue = *forge.issue(number);
        issue.labels.emplace_back(orchestrator::k_in_progress_label);
        forge.put_issue(issue);
    }

    /// The agent's signal_done, as its sidecar queues it; the event's id.
    std::string signal_done(const std::string& slug, const std::string& status = "success",
                            std::optional<std::int64_t> pr = std::nullopt) {
        const std::string id = "1700000000." + std::to_string(++deliveries) + ".test";
        const auto file = bottle::bottle_paths(home, slug).queue / "new" / id;
        std::ofstream(file) << json{{"event_id", id},   {"type", "done"},
                                    {"identity", slug}, {"pr", pr ? json(*pr) : json(nullptr)},
                                    {"status", status}, {"summary", "done"}}
                                   .dump()
                            << "\n";
        return id;
    }

    /// A PR on the forge that says it fixes issue `number` (0: no issue).
    void open_pr(std::int64_t pr, std::int64_t number) {
        FakeIssue issue;
        issue.number = pr;
        issue.title = "Fix";
        issue.body = number != 0 ? "Fixes #" + std::to_string(number) : "Tidies up";
        issue.is_pull = true;
        issue.head_branch = "forgebot/" + std::to_string(number) + "-x";
        issue.base_branch = "main";
        forge.put_issue(issue);
    }

    /// The requests that changed something on the forge, as `METHOD PATH`.
    std::vector<std::string> forge_writes() const {
        std::vector<std::string> out;
        for (const auto& request : forge.requests()) {
            if (request.method != "GET") {
                out.push_back(request.method + " " + request.path);
            }
        }
        return out;
    }

    bool has_label(std::int64_t number, std::string_view label) const {
        const auto labels = forge.issue(number)->labels;
        return std::find(labels.begin(), labels.end(), label) != labels.end();
    }

    /// The outcome every delivery was processed with, oldest first; "" for unprocessed ones.
    std::vector<std::string> outcomes() {
        std::vector<std::string> out;
        for (const auto& delivery : inbox.recent()) {
            out.insert(out.begin(), delivery.processed_at ? delivery.outcome : "");
        }
        return out;
    }

    /// Runs issue `number` from trigger to its first freeze as bottle `slug` whose agent (a
    /// process of its own, returned) goes on running after its done signal.
    util::Child lingering_agent(std::int64_t number, const std::string& slug) {
        util::SpawnOptions sleeper;
        sleeper.argv = {"sleep", "30"};
        sleeper.new_process_group = true;
        auto agent = util::Child::spawn(sleeper);
        trigger(number);
        step();
        bottle_runs(number, slug, bottle::status::running, agent.pid());
        signal_done(slug);
        step();
        REQUIRE(state(number)->status == store::RunStatus::frozen);
        return agent;
    }

    /// Runs issue `number` from trigger to its first freeze as bottle `slug`, its start child
    /// ended.
    void run_until_frozen(std::int64_t number, const std::string& slug) {
        trigger(number);
        step();
        bottle_runs(number, slug);
        signal_done(slug);
        launcher.end("start o/r#" + std::to_string(number));
        step();
        REQUIRE(state(number)->status == store::RunStatus::frozen);
    }
};

} // namespace

TEST_CASE("Loop dispatches a trigger once with the issue as the prompt", "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(17);
    w.step();

    REQUIRE(w.launcher.launches.size() == 1);
    CHECK(w.launcher.launches[0].what == "start o/r#17 claude");
    CHECK(w.launcher.launches[0].prompt == "Resolve issue o/r#17: Fix crash 17\n\nIt crashes.");
    const auto state = w.state(17);
    REQUIRE(state);
    CHECK(state->status == store::RunStatus::running);
    CHECK(state->slug.empty());
    CHECK(state->forge_name == "local");
    CHECK(w.inbox.queued().empty());
    CHECK(w.outcomes() == std::vector<std::string>{"queued for agent claude"});
    CHECK(w.forge_writes().empty());

    w.step();
    CHECK(w.launcher.launches.size() == 1);
}

TEST_CASE("Loop ignores a second trigger while the issue's run is running",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(17);
    w.step();
    w.bottle_runs(17, "claude-aaaaa");
    w.trigger(17);
    w.deliver("issues", "issues", issue_event("edited", 17, k_target, k_member));
    w.step();

    CHECK(w.launcher.whats() == std::vector<std::string>{"start o/r#17 claude"});
    const auto outcomes = w.outcomes();
    REQUIRE(outcomes.size() == 3);
    CHECK(outcomes[1] == "ignored: the issue already has run claude-aaaaa (running)");
    CHECK(outcomes[2] == outcomes[1]);
    CHECK(w.state(17)->slug == "claude-aaaaa");
}

TEST_CASE("Loop queues triggers beyond max_concurrent and dispatches them in order",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(19);
    w.trigger(17);
    w.trigger(18);
    w.step();

    CHECK(w.launcher.whats() ==
          std::vector<std::string>{"start o/r#19 claude", "start o/r#17 claude"});
    CHECK_FALSE(w.state(18));
    REQUIRE(w.inbox.queued().size() == 1);
    CHECK(w.inbox.queued()[0].issue_number == 18);
    w.step();
    CHECK(w.launcher.launches.size() == 2);

    // The first run signals done: its slot goes to the one waiting.
    w.bottle_runs(19, "claude-aaaaa");
    w.signal_done("claude-aaaaa");
    w.step();
    CHECK(w.launcher.whats() == std::vector<std::string>{"start o/r#19 claude",
                                                         "start o/r#17 claude",
                                                         "start o/r#18 claude"});
    CHECK(w.inbox.queued().empty());
}

TEST_CASE("Loop dispatches nothing and writes nothing to the forge under the kill switch or "
          "outside the allowlist",
          "[orchestrator][loop]") {
    LoopWorld w;
    std::string expected;
    SECTION("kill switch") {
        w.config.kill_switch = true;
        w.restart();
        w.trigger(17);
        expected = "ignored: the kill switch is on";
    }
    SECTION("allowlist") {
        w.deliver("issues", "issues", issue_event("labeled", 17, k_target, k_member, "open", "x"));
        expected = "ignored: o/x is not in the allowlist";
    }
    w.step();
    w.step();

    CHECK(w.launcher.launches.empty());
    CHECK(w.outcomes() == std::vector<std::string>{expected});
    CHECK(w.states.all().empty());
    CHECK(w.inbox.queued().empty());
    CHECK(w.forge.requests().empty());
}

TEST_CASE("Loop dispatches nothing for an assignee outside the org or an issue without a "
          "forgebot label",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(17, k_target, {"bob"});
    w.trigger(18, {"bug", std::string(orchestrator::k_in_progress_label)}, k_member);
    w.trigger(19, k_target, {});
    w.step();

    CHECK(w.launcher.launches.empty());
    CHECK(w.outcomes() == std::vector<std::string>{"ignored: no assignee is a member of forgebot",
                                                   "ignored: no forgebot:AGENT label",
                                                   "ignored: no assignee is a member of forgebot"});
    CHECK(w.states.all().empty());
    CHECK(w.forge_writes().empty());
}

TEST_CASE("Loop freezes a run that signalled done and records its PR", "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(17);
    w.step();
    w.bottle_runs(17, "claude-aaaaa");
    w.open_pr(40, 17);
    w.open_pr(41, 0);
    const auto id = w.signal_done("claude-aaaaa", "success", 41);
    w.forge.clear_requests();
    w.step();

    const auto state = w.state(17);
    REQUIRE(state);
    CHECK(state->status == store::RunStatus::frozen);
    CHECK(state->pr_number == 41);
    CHECK(state->flags.empty());
    CHECK_FALSE(w.has_label(17, orchestrator::k_in_progress_label));
    CHECK_FALSE(w.has_label(17, orchestrator::k_needs_human_label));
    const auto writes = w.forge_writes();
    REQUIRE(writes.size() == 1);
    CHECK_THAT(writes[0], Catch::StartsWith("DELETE /repos/o/r/issues/17/labels/"));
    CHECK(w.inbox.done_event_processed(id));
    const auto queue = bottle::bottle_paths(w.home, "claude-aaaaa").queue;
    CHECK(std::filesystem::exists(queue / "cur" / id));
    CHECK_FALSE(std::filesystem::exists(queue / "new" / id));
    // The agent had already ended: its bottle is frozen too, once the session that ran it
    // has ended.
    CHECK(w.bottles.get("claude-aaaaa")->status == bottle::status::running);
    w.launcher.end("start o/r#17");
    w.step();
    CHECK(w.bottles.get("claude-aaaaa")->status == bottle::status::frozen);

    SECTION("without a PR in the event it takes the one the forge links to the issue") {
        w.trigger(18);
        w.step();
        w.bottle_runs(18, "claude-bbbbb");
        w.open_pr(42, 18);
        w.signal_done("claude-bbbbb");
        w.step();
        CHECK(w.state(18)->pr_number == 42);
        CHECK(w.state(18)->pr_url == w.forge.origin() + "/o/r/pulls/42");
    }
    SECTION("the same event again changes nothing") {
        // The run is resumed; the event it answered shows up in its queue again.
        const auto comment = w.forge.add_comment(17, "ann", "one more thing");
        w.deliver("issue_comment", "issue_comment", comment_event(17, false, comment, "ann"));
        w.step();
        REQUIRE(w.launcher.launches.back().what == "resume claude-aaaaa");
        w.bottle_runs(17, "claude-aaaaa");
        std::filesystem::rename(queue / "cur" / id, queue / "new" / id);
        w.step();
        CHECK(w.state(17)->status == store::RunStatus::running);
        CHECK(std::filesystem::exists(queue / "cur" / id));
    }
}

TEST_CASE("Loop adds the needs-human label and flag when the agent asks for a human",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(17);
    w.step();
    w.bottle_runs(17, "claude-aaaaa");
    w.signal_done("claude-aaaaa", "needs_human");
    w.step();

    const auto state = w.state(17);
    CHECK(state->status == store::RunStatus::frozen);
    CHECK(state->flags == std::vector<std::string>{"needs_human"});
    CHECK(w.has_label(17, orchestrator::k_needs_human_label));
    CHECK_FALSE(w.has_label(17, orchestrator::k_in_progress_label));
}

TEST_CASE("Loop resumes a frozen run on a member's comment with only the comments since the "
          "freeze",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.open_pr(40, 17);
    w.forge.add_comment(17, "ann", "an old remark");
    w.run_until_frozen(17, "claude-aaaaa");
    REQUIRE(w.state(17)->pr_number == 40);

    const auto bot = w.forge.add_comment(40, k_bot, "forgebot's own status note");
    w.deliver("issue_comment", "pull_request_comment", comment_event(40, true, bot, k_bot));
    w.step();
    CHECK(w.launcher.launches.size() == 1);
    CHECK(w.outcomes().back() == "ignored: a comment by forgebot itself");

    const auto outsider = w.forge.add_comment(17, "bob", "do it my way");
    w.deliver("issue_comment", "issue_comment", comment_event(17, false, outsider, "bob"));
    w.step();
    CHECK(w.launcher.launches.size() == 1);
    CHECK(w.outcomes().back() == "ignored: bob is not a member of forgebot");

    const auto first = w.forge.add_comment(40, "ann", "please rename the flag");
    const auto second = w.forge.add_comment(17, "ann", "and add a test");
    w.forge.clear_requests();
    w.deliver("issue_comment", "pull_request_comment", comment_event(40, true, first, "ann"));
    w.deliver("issue_comment", "issue_comment", comment_event(17, false, second, "ann"));
    w.step();

    REQUIRE(w.launcher.launches.size() == 2);
    const auto& resume = w.launcher.launches[1];
    CHECK(resume.what == "resume claude-aaaaa");
    CHECK_THAT(resume.prompt, Catch::Contains("@ann on #40:\nplease rename the flag"));
    CHECK_THAT(resume.prompt, Catch::Contains("@ann on #17:\nand add a test"));
    CHECK_THAT(resume.prompt, !Catch::Contains("an old remark"));
    CHECK_THAT(resume.prompt, !Catch::Contains("status note"));
    CHECK(w.state(17)->status == store::RunStatus::running);
    // The second comment arrived while the run was running again: ignored.
    CHECK(w.outcomes().back() == "ignored: run claude-aaaaa is running");
    CHECK(w.forge_writes().empty());
}

TEST_CASE("Loop destroys a run when its PR is closed or merged", "[orchestrator][loop]") {
    LoopWorld w;
    w.open_pr(40, 17);
    w.run_until_frozen(17, "claude-aaaaa");
    const bool merged = GENERATE(false, true);
    w.deliver("pull_request", "pull_request", pr_closed_event(40, merged));
    w.step();

    CHECK(w.state(17)->status == store::RunStatus::destroyed);
    CHECK(w.bottles.get("claude-aaaaa")->status == bottle::status::destroyed);
    CHECK_FALSE(std::filesystem::exists(bottle::bottle_paths(w.home, "claude-aaaaa").workspace));
    CHECK(w.outcomes().back() ==
          std::string(merged ? "merged" : "closed") + ": destroyed claude-aaaaa");

    // Closing it again, or a comment after, does nothing more.
    w.deliver("pull_request", "pull_request", pr_closed_event(40, merged));
    const auto comment = w.forge.add_comment(40, "ann", "thanks");
    w.deliver("issue_comment", "pull_request_comment", comment_event(40, true, comment, "ann"));
    w.step();
    CHECK(w.launcher.launches.size() == 1);
    CHECK(w.state(17)->status == store::RunStatus::destroyed);
}

TEST_CASE("Loop does nothing when only the issue is closed", "[orchestrator][loop]") {
    LoopWorld w;
    w.open_pr(40, 17);
    w.run_until_frozen(17, "claude-aaaaa");
    w.forge.clear_requests();
    w.deliver("issues", "issues", issue_event("closed", 17, k_target, k_member, "closed"));
    w.step();

    CHECK(w.state(17)->status == store::RunStatus::frozen);
    CHECK(w.bottles.get("claude-aaaaa")->status == bottle::status::frozen);
    CHECK(w.launcher.launches.size() == 1);
    CHECK(w.outcomes().back() == "ignored: action closed");
    CHECK(w.forge_writes().empty());
}

TEST_CASE("Loop freezes a run whose agent exited without signalling and flags it",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(17);
    w.step();
    SECTION("its session says so") {
        w.bottle_runs(17, "claude-aaaaa", bottle::status::exited);
        w.step();
        CHECK(w.state(17)->status == store::RunStatus::running); // until its session has ended
        w.launcher.end("start o/r#17");
    }
    SECTION("its session died before it could say so") {
        w.bottle_runs(17, "claude-aaaaa");
        w.restart();
        w.launcher.end("start o/r#17", 137, false);
    }
    w.step();

    const auto state = w.state(17);
    CHECK(state->status == store::RunStatus::frozen);
    CHECK(state->flags == std::vector<std::string>{"exited_without_signal"});
    CHECK_FALSE(w.has_label(17, orchestrator::k_in_progress_label));
    CHECK(w.bottles.get("claude-aaaaa")->status == bottle::status::frozen);
}

TEST_CASE("Loop leaves no run behind when a dispatch cannot start", "[orchestrator][loop]") {
    LoopWorld w;
    SECTION("the launcher refuses") {
        w.launcher.refuse = true;
        w.trigger(17);
        w.step();
        CHECK(w.launcher.launches.empty());
    }
    SECTION("the start child ends before its bottle runs") {
        w.trigger(17);
        w.step();
        REQUIRE(w.state(17));
        w.launcher.end("start o/r#17", 1);
        w.step();
        CHECK(w.launcher.launches.size() == 1);
    }
    CHECK_FALSE(w.state(17));
    CHECK(w.inbox.queued().empty());
    // A new trigger is dispatched again.
    w.launcher.refuse = false;
    w.trigger(17);
    w.step();
    CHECK(w.launcher.launches.back().what == "start o/r#17 claude");
}

TEST_CASE("A restarted Loop processes leftover deliveries and done events once",
          "[orchestrator][loop]") {
    LoopWorld w;
    // Stored while no loop ran (or just before one was killed).
    w.trigger(17);
    w.trigger(18);
    w.trigger(17);
    w.restart();
    w.step();
    CHECK(w.launcher.whats() ==
          std::vector<std::string>{"start o/r#17 claude", "start o/r#18 claude"});
    CHECK(w.inbox.pending().empty());

    // A done event recorded just before a kill, but not yet moved out of new/.
    w.bottle_runs(17, "claude-aaaaa");
    const auto id = w.signal_done("claude-aaaaa");
    REQUIRE(w.inbox.record_done_event(id, "claude-aaaaa"));
    w.restart();
    w.step();
    w.restart();
    w.step();
    CHECK(w.launcher.launches.size() == 2);
    CHECK(w.state(17)->status == store::RunStatus::running);
    CHECK(std::filesystem::exists(bottle::bottle_paths(w.home, "claude-aaaaa").queue / "cur" / id));
    CHECK(w.inbox.pending().empty());
}

TEST_CASE("Loop stops an agent lingering after its done signal and resumes once its session "
          "ended",
          "[orchestrator][loop]") {
    LoopWorld w;
    auto agent = w.lingering_agent(17, "claude-aaaaa");
    REQUIRE_FALSE(agent.try_wait());

    const auto comment = w.forge.add_comment(17, "ann", "one more thing");
    w.deliver("issue_comment", "issue_comment", comment_event(17, false, comment, "ann"));
    w.step();
    // The agent is stopped at once, but its session has yet to end: the comment waits.
    CHECK(agent.wait() != 0);
    CHECK(w.bottles.get("claude-aaaaa")->status == bottle::status::frozen);
    CHECK(w.launcher.launches.size() == 1);
    CHECK(w.outcomes().back().empty());
    w.step();
    CHECK(w.launcher.launches.size() == 1);

    w.launcher.end("start o/r#17");
    w.step();
    REQUIRE(w.launcher.launches.size() == 2);
    CHECK(w.launcher.launches[1].what == "resume claude-aaaaa");
    CHECK_THAT(w.launcher.launches[1].prompt, Catch::Contains("one more thing"));
    CHECK(w.outcomes().back() == "rehydrated claude-aaaaa");
    CHECK(w.state(17)->status == store::RunStatus::running);
}

TEST_CASE("A Loop killed around the spawn of a start starts the issue once after a restart",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.trigger(17);
    w.step();
    REQUIRE(w.launcher.launches.size() == 1);
    const auto waiting = [&w] {
        store::QueuedDispatch dispatch;
        dispatch.forge = "local";
        dispatch.owner = "o";
        dispatch.repo = "r";
        dispatch.issue_number = 17;
        dispatch.agent = "claude";
        REQUIRE(w.inbox.enqueue(dispatch));
    };
    SECTION("killed after the spawn, before the dispatch left the queue") {
        waiting();
        w.restart();
        w.step();
        w.step();
        CHECK(w.launcher.launches.size() == 1);
        CHECK(w.inbox.queued().empty());
        // Its child goes on and runs the bottle.
        w.bottle_runs(17, "claude-aaaaa");
        w.step();
        CHECK(w.launcher.launches.size() == 1);
        CHECK(w.state(17)->slug == "claude-aaaaa");
    }
    SECTION("killed before the spawn, the run already marked") {
        // What the killed loop left: the run marked running, no child, the dispatch queued.
        w.launcher.end("start o/r#17", 0, false);
        waiting();
        w.restart();
        w.step();
        CHECK(w.launcher.whats() ==
              std::vector<std::string>{"start o/r#17 claude", "start o/r#17 claude"});
        CHECK(w.inbox.queued().empty());
        CHECK(w.state(17)->status == store::RunStatus::running);
    }
    SECTION("its child failed while no loop ran") {
        w.launcher.end("start o/r#17", 1, false);
        w.restart();
        w.step();
        CHECK_FALSE(w.state(17));
        w.trigger(17);
        w.step();
        CHECK(w.launcher.launches.size() == 2);
    }
}

TEST_CASE("A Loop killed around the spawn of a resume resumes the run once after a restart",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.run_until_frozen(17, "claude-aaaaa");
    const auto comment = w.forge.add_comment(17, "ann", "rename it");
    w.deliver("issue_comment", "issue_comment", comment_event(17, false, comment, "ann"));
    SECTION("killed just before the spawn") {
        w.launcher.kill = RecordingLauncher::Kill::before_spawn;
        CHECK_THROWS_AS(w.step(), Killed);
        w.restart();
        w.step();
        w.step();
    }
    SECTION("killed just after the spawn") {
        w.launcher.kill = RecordingLauncher::Kill::after_spawn;
        CHECK_THROWS_AS(w.step(), Killed);
        w.restart();
        w.step();
        // Its child goes on and marks the run running.
        w.bottle_runs(17, "claude-aaaaa");
        w.step();
        CHECK(w.outcomes().back() == "ignored: run claude-aaaaa is running");
    }
    CHECK(w.launcher.whats() ==
          std::vector<std::string>{"start o/r#17 claude", "resume claude-aaaaa"});
    CHECK_THAT(w.launcher.launches[1].prompt, Catch::Contains("rename it"));
    CHECK(w.state(17)->status == store::RunStatus::running);
    CHECK(w.inbox.pending().empty());
}

TEST_CASE("A Loop killed in the middle of a freeze completes it once after a restart",
          "[orchestrator][loop]") {
    LoopWorld w;
    w.open_pr(40, 17);
    w.forge.add_comment(17, "ann", "an old remark");
    w.trigger(17);
    w.step();
    w.bottle_runs(17, "claude-aaaaa");
    const auto id = w.signal_done("claude-aaaaa");
    w.kill_on_forge = true;
    CHECK_THROWS_AS(w.step(), Killed);
    w.restart();
    w.step();

    auto state = w.state(17);
    CHECK(state->status == store::RunStatus::frozen);
    CHECK(state->pr_number == 40);
    CHECK_FALSE(w.has_label(17, orchestrator::k_in_progress_label));
    CHECK(w.inbox.done_event_processed(id));
    CHECK(std::filesystem::exists(bottle::bottle_paths(w.home, "claude-aaaaa").queue / "cur" / id));

    // The next resume knows which comments are new.
    w.launcher.end("start o/r#17");
    const auto comment = w.forge.add_comment(40, "ann", "rename it");
    w.deliver("issue_comment", "pull_request_comment", comment_event(40, true, comment, "ann"));
    w.step();
    REQUIRE(w.launcher.launches.size() == 2);
    CHECK_THAT(w.launcher.launches[1].prompt, Catch::Contains("rename it"));
    CHECK_THAT(w.launcher.launches[1].prompt, !Catch::Contains("an old remark"));
}

TEST_CASE("A restarted Loop stops the agent of a frozen run after the stop grace",
          "[orchestrator][loop]") {
    LoopWorld w;
    auto agent = w.lingering_agent(17, "claude-aaaaa");

    // Killed while the agent lingered: the new loop gives it the grace again, then stops it.
    w.restart();
    w.step();
    CHECK_FALSE(agent.try_wait());
    w.now += std::chrono::seconds(6);
    w.step();
    CHECK(agent.wait() != 0);
    CHECK(w.bottles.get("claude-aaaaa")->status == bottle::status::frozen);
}
