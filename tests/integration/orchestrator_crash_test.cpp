// Crash safety of `forgebot orchestrate serve`: triggers, duplicate deliveries, comments on
// frozen runs, PR closes and the agents' done events flow while the orchestrator is killed with
// SIGKILL at random moments and started again; in the end every delivery and done event has had
// its effect exactly once. The seed is printed; FORGEBOT_CRASH_SEED=N replays its choices.
#include "integration/orchestrator_fixture.hpp"
#include "store/bottle_store.hpp"
#include "store/database.hpp"
#include "store/forge_state.hpp"
#include "store/inbox_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

constexpr const char* k_bot = "forgebot-bot";
constexpr std::int64_t k_first_issue = 21;
constexpr std::int64_t k_issues = 8;

std::string done_directive(const std::string& status) {
    return "call=signal_done:{\"status\":\"" + status + "\",\"summary\":\"ok\"}";
}

/// A webhook delivery as the forge sends it: the events headers, its id, the body.
struct Delivery {
    std::string event;
    std::string type;
    std::string id;
    std::string body;
};

/// What the test did to one issue, and so what the orchestrator must have done.
struct IssuePlan {
    std::int64_t number = 0;
    std::int64_t pr = 0;       ///< the PR on the forge that fixes it
    bool needs_human = false;  ///< its agent signals needs_human the first time
    int comments_wanted = 0;   ///< member comments to send, one per freeze
    bool close_wanted = false; ///< close its PR once the comments are answered
    bool triggered = false;
    std::vector<std::string> markers; ///< one per member comment sent: each resumes once
    bool closed = false;
    std::string slug;
    std::vector<json> records; ///< the fake agent's records, read before the close
};

/// An armed Orchestrated world (max_concurrent = 3) whose `serve` kill_and_restart() kills with
/// SIGKILL and starts again, the deliveries sent to it, and its store, read directly.
struct CrashWorld {
    Orchestrated o{OrchestratedOptions{.extra_config = "max_concurrent = 3\n"}};
    BottleFixture& f = o.f;
    forgebot::store::Database db{f.home / "forgebot.db"};
    int kills = 0;
    int next_delivery = 0;
    std::vector<Delivery> sent;

    void kill_and_restart() {
        o.serve->kill();
        ++kills;
        o.launch();
    }

    /// Posts `delivery` signed; its HTTP status.
    int post(const Delivery& delivery) const {
        return o.http_status(
            "POST", "/webhook/local", delivery.body,
            {"Content-Type: application/json", "X-Gitea-Event: " + delivery.event,
             "X-Gitea-Event-Type: " + delivery.type, "X-Gitea-Delivery: " + delivery.id,
             "X-Gitea-Signature: " +
                 forgebot::util::hmac_sha256_hex(k_webhook_secret, delivery.body)});
    }

    /// Sends a new delivery, which must be accepted as new.
    void deliver(const std::string& event, const std::string& type, const json& payload) {
        Delivery delivery{event, type, "crash-" + std::to_string(++next_delivery), payload.dump()};
        INFO(o.log());
        REQUIRE(post(delivery) == 202);
        sent.push_back(std::move(delivery));
    }

    std::vector<forgebot::store::ForgeState> states() {
        return forgebot::store::ForgeStateStore(db).all();
    }

    /// How many of `slug`'s done events the orchestrator recorded as processed.
    std::int64_t done_events(const std::string& slug) {
        SQLite::Statement query(db.handle(), "SELECT count(*) FROM done_events WHERE identity = ?");
        query.bind(1, slug);
        REQUIRE(query.executeStep());
        return query.getColumn(0).getInt64();
    }
};

json repository() {
    return {{"id", 1},
            {"name", "r"},
            {"full_name", "o/r"},
            {"owner", {{"id", 2}, {"login", "o"}, {"username", "o"}}}};
}

json trigger_payload(std::int64_t number) {
    return {{"action", "labeled"},
            {"number", number},
            {"issue",
             {{"number", number},
              {"title", "Crash " + std::to_string(number)},
              {"state", "open"},
              {"labels", json::array({{{"id", 1}, {"name", "forgebot:claude"}}})},
              {"assignees", json::array({{{"id", 7}, {"login", "ann"}}})},
              {"pull_request", nullptr}}},
            {"repository", repository()},
            {"sender", {{"login", "ann"}}}};
}

json comment_payload(std::int64_t number, bool on_pull, std::int64_t id, const std::string& user,
                     const std::string& body) {
    return {{"action", "created"},
            {"issue",
             {{"number", number},
              {"state", "open"},
              {"labels", json::array()},
              {"pull_request", on_pull ? json{{"merged", false}} : json(nullptr)}}},
            {"comment", {{"id", id}, {"body", body}, {"user", {{"login", user}}}}},
            {"repository", repository()},
            {"sender", {{"login", user}}}};
}

json pr_closed_payload(std::int64_t number, bool merged) {
    return {
        {"action", "closed"},
        {"number", number},
        {"pull_request",
         {{"number", number}, {"state", "closed"}, {"merged", merged}, {"head", {{"ref", "x"}}}}},
        {"repository", repository()},
        {"sender", {{"login", "ann"}}}};
}

/// Pids of live processes (other than this one) whose environment or command line mentions
/// `needle`, with their command lines.
std::vector<std::string> processes_mentioning(const std::string& needle) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(name) == ::getpid()) {
            continue;
        }
        const std::string environ = read_text(entry.path() / "environ");
        std::string cmdline = read_text(entry.path() / "cmdline");
        const std::string stat = read_text(entry.path() / "stat");
        const bool zombie = stat.find(") Z ") != std::string::npos;
        if (!zombie && (environ.find(needle) != std::string::npos ||
                        cmdline.find(needle) != std::string::npos)) {
            std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
            found.push_back(name + ": " + cmdline);
        }
    }
    return found;
}

std::size_t files_in(const std::filesystem::path& dir) {
    std::error_code ec;
    std::size_t count = 0;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); ++it) {
        ++count;
    }
    return count;
}

} // namespace

TEST_CASE("orchestrate serve killed at random moments processes every delivery and done event "
          "exactly once",
          "[orchestrator][e2e][crash]") {
    std::uint32_t seed = std::random_device{}();
    if (const char* fixed = std::getenv("FORGEBOT_CRASH_SEED")) {
        seed = static_cast<std::uint32_t>(std::stoul(fixed));
    }
    std::cout << "orchestrator crash test: seed " << seed << " (FORGEBOT_CRASH_SEED=" << seed
              << " replays it)" << std::endl;
    CAPTURE(seed);
    std::mt19937 rng(seed);
    const auto chance = [&rng](double p) {
        return std::bernoulli_distribution(p)(rng);
    };
    const auto pick = [&rng](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };

    CrashWorld w;
    w.o.forge.add_repo_label("forgebot:in-progress");
    w.o.forge.add_repo_label("forgebot:needs-human");
    std::vector<IssuePlan> plans;
    for (std::int64_t i = 0; i < k_issues; ++i) {
        IssuePlan plan;
        plan.number = k_first_issue + i;
        plan.pr = plan.number + 100;
        plan.needs_human = i == 0;
        plan.comments_wanted = static_cast<int>(pick(3));
        plan.close_wanted = chance(0.5);
        FakeIssue issue;
        issue.number = plan.number;
        issue.title = "Crash " + std::to_string(plan.number);
        issue.body = done_directive(plan.needs_human ? "needs_human" : "success");
        issue.labels = {"forgebot:claude"};
        w.o.forge.put_issue(issue);
        FakeIssue pr;
        pr.number = plan.pr;
        pr.title = "Fix crash";
        pr.body = "Fixes #" + std::to_string(plan.number);
        pr.is_pull = true;
        pr.head_branch = "fix-" + std::to_string(plan.number);
        pr.base_branch = "main";
        w.o.forge.put_issue(pr);
        plans.push_back(plan);
    }

    // A run is settled when the store says frozen and every done event its agent could have
    // sent so far is processed: the test then acts on it, as a reviewer would.
    const auto settled = [&w](const IssuePlan& plan,
                              const std::vector<forgebot::store::ForgeState>& states) {
        for (const auto& state : states) {
            if (state.issue_number == plan.number) {
                return !plan.closed && state.status == forgebot::store::RunStatus::frozen &&
                       !state.slug.empty() &&
                       w.done_events(state.slug) ==
                           static_cast<std::int64_t>(plan.markers.size()) + 1;
            }
        }
        return false;
    };
    const auto finished = [](const IssuePlan& plan) {
        return plan.triggered && static_cast<int>(plan.markers.size()) == plan.comments_wanted &&
               plan.closed == plan.close_wanted;
    };

    const auto started = std::chrono::steady_clock::now();
    int marker = 0;
    while (!std::all_of(plans.begin(), plans.end(), finished)) {
        INFO(w.o.log());
        REQUIRE(std::chrono::steady_clock::now() - started < std::chrono::seconds(60));
        const auto states = w.states();
        // Triggers: a new issue now and then, with duplicates (a new id for the same issue, and
        // an old delivery re-sent with its id, as a forge retrying does).
        for (auto& plan : plans) {
            if (!plan.triggered && chance(0.4)) {
                w.deliver("issues", "issues", trigger_payload(plan.number));
                plan.triggered = true;
                break;
            }
        }
        if (chance(0.3)) {
            std::vector<std::int64_t> triggered;
            for (const auto& plan : plans) {
                // A trigger after the PR's close would rightly start a new run.
                if (plan.triggered && !plan.closed) {
                    triggered.push_back(plan.number);
                }
            }
            if (!triggered.empty()) {
                w.deliver("issues", "issues", trigger_payload(triggered[pick(triggered.size())]));
            }
        }
        if (!w.sent.empty() && chance(0.3)) {
            CHECK(w.post(w.sent[pick(w.sent.size())]) == 200);
        }
        // Reviewers act on settled runs: a comment (sometimes forgebot's own, which must be
        // ignored), else the PR's close.
        for (auto& plan : plans) {
            if (!settled(plan, states) || !chance(0.6)) {
                continue;
            }
            const bool on_pull = chance(0.5);
            const std::int64_t target = on_pull ? plan.pr : plan.number;
            if (chance(0.2)) {
                const auto id = w.o.forge.add_comment(target, k_bot, "forgebot status note");
                w.deliver("issue_comment", on_pull ? "pull_request_comment" : "issue_comment",
                          comment_payload(target, on_pull, id, k_bot, "forgebot status note"));
            } else if (static_cast<int>(plan.markers.size()) < plan.comments_wanted) {
                const std::string text =
                    "marker-" + std::to_string(++marker) + " " + done_directive("success");
                const auto id = w.o.forge.add_comment(target, "ann", text);
                w.deliver("issue_comment", on_pull ? "pull_request_comment" : "issue_comment",
                          comment_payload(target, on_pull, id, "ann", text));
                plan.markers.push_back("marker-" + std::to_string(marker) + " ");
            } else if (plan.close_wanted) {
                for (const auto& state : states) {
                    if (state.issue_number == plan.number) {
                        plan.slug = state.slug;
                    }
                }
                // Destroying removes the agent's home, and the fake agent's records with it;
                // its last record is written just after its done signal.
                plan.records = w.f.records(plan.slug);
                if (plan.records.size() != plan.markers.size() + 1) {
                    continue;
                }
                w.deliver("pull_request", "pull_request", pr_closed_payload(plan.pr, chance(0.5)));
                plan.closed = true;
            }
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 700)(rng)));
        if (w.kills < 20 && chance(0.7)) {
            w.kill_and_restart();
        }
    }

    // Quiet: every run frozen (or destroyed) with its bottle, every done event processed.
    json runs;
    for (int i = 0; i < 300; ++i) {
        runs = json::parse(w.f.forgebot({"orchestrate", "status", "--json"}).out);
        const bool quiet = std::all_of(runs.begin(), runs.end(), [&](const json& run) {
            if (run["status"] == "destroyed") {
                return true;
            }
            const auto plan = std::find_if(plans.begin(), plans.end(), [&](const IssuePlan& p) {
                return p.number == run["issue"].get<std::int64_t>();
            });
            const auto bottle =
                forgebot::store::BottleStore(w.db).get(run["slug"].get<std::string>());
            return run["status"] == "frozen" && plan != plans.end() &&
                   w.done_events(run["slug"]) ==
                       static_cast<std::int64_t>(plan->markers.size()) + 1 &&
                   bottle && bottle->status == "frozen";
        });
        if (quiet && runs.size() == plans.size()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::cout << "orchestrator crash test: " << w.kills << " kills, " << w.sent.size()
              << " deliveries, " << elapsed.count() << " ms" << std::endl;
    INFO(w.o.log());
    INFO(runs.dump(1));
    std::string outcomes;
    for (const auto& delivery : forgebot::store::InboxStore(w.db).recent(1000)) {
        outcomes += delivery.delivery_id + ": " + delivery.outcome + "\n";
    }
    INFO(outcomes);
    REQUIRE(runs.size() == plans.size());

    // Each issue: one bottle, in the state its events imply.
    const auto bottles = json::parse(w.f.forgebot({"list", "--json"}).out);
    std::set<std::string> slugs;
    for (auto& plan : plans) {
        CAPTURE(plan.number, plan.markers, plan.closed);
        const auto run = std::find_if(runs.begin(), runs.end(), [&](const json& r) {
            return r["issue"].get<std::int64_t>() == plan.number;
        });
        REQUIRE(run != runs.end());
        const std::string slug = (*run)["slug"];
        slugs.insert(slug);
        CHECK((plan.slug.empty() || plan.slug == slug));
        CHECK((*run)["status"] == (plan.closed ? "destroyed" : "frozen"));
        CHECK((*run)["pr"] == plan.pr);
        CHECK((*run)["flags"] == (plan.needs_human ? json::array({"needs_human"}) : json::array()));
        std::size_t of_issue = 0;
        for (const auto& bottle : bottles) {
            if (bottle.contains("issue") && bottle["issue"]["number"] == plan.number) {
                ++of_issue;
                CHECK(bottle["identity"] == slug);
                CHECK(bottle["running"] == false);
                CHECK(bottle["status"] == (plan.closed ? "destroyed" : "frozen"));
            }
        }
        CHECK(of_issue == 1);

        // Frozen once per done event: the orchestrator recorded as many as the agent sent.
        const auto expected_done = static_cast<std::int64_t>(plan.markers.size()) + 1;
        CHECK(w.done_events(slug) == expected_done);
        const auto provenance = w.f.forgebot({"provenance", slug, "--json"});
        REQUIRE(provenance.exit_code == 0);
        const auto record = json::parse(provenance.out);
        std::int64_t signalled = 0;
        for (const auto& op : record["operations"]) {
            signalled += op["operation"] == "signal_done" ? 1 : 0;
        }
        CHECK(signalled == expected_done);
        if (!plan.closed) {
            const auto queue = w.f.bottle_dir(slug) / "queue";
            CHECK(files_in(queue / "new") == 0);
            CHECK(files_in(queue / "cur") == static_cast<std::size_t>(expected_done));
        }

        // Resumed once per member comment, each time with only the comments since the freeze.
        const auto records = plan.closed ? plan.records : w.f.records(slug);
        REQUIRE(records.size() == plan.markers.size() + 1);
        CHECK(records[0]["resumed"] == false);
        CHECK_THAT(records[0]["prompt"].get<std::string>(),
                   Catch::Contains("Resolve issue o/r#" + std::to_string(plan.number)));
        for (std::size_t k = 0; k < plan.markers.size(); ++k) {
            const auto& prompt = records[k + 1]["prompt"].get_ref<const std::string&>();
            CHECK(records[k + 1]["resumed"] == true);
            for (std::size_t m = 0; m < plan.markers.size(); ++m) {
                CHECK((prompt.find(plan.markers[m]) != std::string::npos) == (m == k));
            }
            CHECK_THAT(prompt, !Catch::Contains("forgebot status note"));
        }

        // On the forge: the in-progress label put on once (one start) and off in the end.
        std::size_t labelled = 0;
        for (const auto& request : w.o.forge.requests()) {
            if (request.method == "POST" &&
                request.path == "/repos/o/r/issues/" + std::to_string(plan.number) + "/labels" &&
                request.body.find("forgebot:in-progress") != std::string::npos) {
                ++labelled;
            }
        }
        CHECK(labelled == 1);
        const auto labels = w.o.forge.issue(plan.number)->labels;
        CHECK(std::count(labels.begin(), labels.end(), "forgebot:in-progress") == 0);
        CHECK(std::count(labels.begin(), labels.end(), "forgebot:needs-human") ==
              (plan.needs_human ? 1 : 0));
    }
    CHECK(slugs.size() == plans.size());

    // Every delivery stored once and processed.
    forgebot::store::InboxStore inbox(w.db);
    CHECK(inbox.pending().empty());
    CHECK(inbox.recent(1000).size() == w.sent.size());

    // Nothing of this world still runs once serve has stopped.
    w.o.serve->send_signal(SIGTERM);
    CHECK(w.o.serve->wait_for(std::chrono::seconds(10)) == 0);
    std::vector<std::string> left;
    for (int i = 0; i < 100; ++i) {
        left = processes_mentioning(w.f.root.path().string());
        if (left.empty()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(left.empty());
}
