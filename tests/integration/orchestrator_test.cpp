// The orchestrator end to end: `forgebot orchestrate serve` with the loopback forge and the fake
// claude: a signed webhook starts a bottle, signal_done freezes it, a review comment rehydrates
// it, closing the PR destroys it; and what it refuses.
#include "fakes/background_process.hpp"
#include "fakes/fake_forge.hpp"
#include "integration/bottle_fixture.hpp"
#include "util/hmac.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

constexpr const char* k_token = "fbtok-orch-51aa7c0e9d";
constexpr const char* k_secret = "hook-secret-3f9b";

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// The loopback forge, a config arming o/r, and `orchestrate serve` on a free port.
struct Orchestrated {
    BottleFixture f;
    FakeForge forge{FakeForgeFlavor::gitea};
    std::uint16_t port = free_port();
    std::unique_ptr<BackgroundProcess> serve;
    int deliveries = 0;
    int launches = 0;

    explicit Orchestrated(bool armed = true, const std::string& extra_config = {}) {
        forge.set_token(k_token);
        const auto bare = f.root.path() / "forge.git";
        forge.serve_git(bare);
        git_line({"-C", f.repo.string(), "push", "-q", bare.string(), "main"});
        forge.add_org_member("forgebot", "ann");
        forge.set_user("forgebot-bot");
        const auto dir = f.config / "forgebot";
        std::filesystem::create_directories(dir);
        for (const auto& [file, text] : {std::pair{"token", k_token}, {"secret", k_secret}}) {
            write_file(dir / file, std::string(text) + "\n");
            std::filesystem::permissions(dir / file, std::filesystem::perms::owner_read |
                                                         std::filesystem::perms::owner_write);
        }
        write_file(dir / "config.toml",
                   extra_config + std::string("kill_switch = ") + (armed ? "false" : "true") +
                       "\nallowlist = [\"o/r\"]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                       "\"\n[[forges]]\nname = \"local\"\nkind = \"gitea\"\napi_url = \"" +
                       forge.base_url() +
                       "\"\ntoken_file = \"token\"\nwebhook_secret_file = \"secret\"\n");
        launch();
    }

    /// Starts `orchestrate serve` and waits until it answers.
    void launch() {
        BackgroundOptions options;
        for (const auto& [name, value] : f.options().env) {
            options.env[name] = value;
        }
        options.env["FORGEBOT_STOP_GRACE"] = "1s";
        options.stderr_file = f.root.path() / ("serve-" + std::to_string(++launches) + ".log");
        serve = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{FORGEBOT_BINARY, "orchestrate", "serve"}, options);
        for (int i = 0; i < 200 && http_status("GET", "/health", "") != 200; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        REQUIRE(http_status("GET", "/health", "") == 200);
    }

    ~Orchestrated() {
        if (serve) {
            serve->send_signal(SIGTERM);
            serve->wait_for(std::chrono::seconds(10));
        }
    }

    std::string log() const {
        std::string all;
        for (int i = 1; i <= launches; ++i) {
            all += read_file(f.root.path() / ("serve-" + std::to_string(i) + ".log"));
        }
        return all;
    }

    /// The HTTP status of one request (curl), with optional extra headers.
    int http_status(const std::string& method, const std::string& path, const std::string& body,
                    const std::vector<std::string>& headers = {}) const {
        const auto body_file = f.root.path() / "body.json";
        write_file(body_file, body);
        std::vector<std::string> argv{"curl", "-s",           "-o", "/dev/null",
                                      "-w",   "%{http_code}", "-X", method};
        for (const auto& header : headers) {
            argv.insert(argv.end(), {"-H", header});
        }
        if (method == "POST") {
            argv.insert(argv.end(), {"--data-binary", "@" + body_file.string()});
        }
        argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
        const auto r = run_program(argv);
        return r.out.empty() ? 0 : std::stoi(r.out);
    }

    /// Delivers a signed Gitea webhook; its HTTP status.
    int deliver(const std::string& event, const json& payload, std::string type = {},
                std::string secret = k_secret) {
        const auto body = payload.dump();
        std::vector<std::string> headers{
            "Content-Type: application/json", "X-Gitea-Event: " + event,
            "X-Gitea-Delivery: d-" + std::to_string(++deliveries),
            "X-Gitea-Signature: " + forgebot::util::hmac_sha256_hex(secret, body)};
        if (!type.empty()) {
            headers.push_back("X-Gitea-Event-Type: " + type);
        }
        return http_status("POST", "/webhook/local", body, headers);
    }

    /// The tracked run of issue 17, once its state matches `status` (and has a slug).
    json wait_for_state(const std::string& status, int seconds = 30) const {
        json last;
        for (int i = 0; i < seconds * 10; ++i) {
            const auto r = f.forgebot({"orchestrate", "status", "--json"});
            if (r.exit_code == 0) {
                for (const auto& run : json::parse(r.out)) {
                    last = run;
                    if (run["issue"] == 17 && run["status"] == status && run["slug"] != "") {
                        return run;
                    }
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        INFO(log());
        INFO(last.dump());
        FAIL("issue 17 never became " << status);
        return {};
    }
};

json repository() {
    return {{"id", 1},
            {"name", "r"},
            {"full_name", "o/r"},
            {"owner", {{"id", 2}, {"login", "o"}, {"username", "o"}}}};
}

json issue_payload(const std::string& action, const std::vector<std::string>& labels,
                   const std::vector<std::string>& assignees, std::int64_t number = 17) {
    json label_list = json::array();
    for (const auto& label : labels) {
        label_list.push_back({{"id", label.size()}, {"name", label}});
    }
    json assignee_list = json::array();
    for (const auto& user : assignees) {
        assignee_list.push_back({{"id", 7}, {"login", user}, {"username", user}});
    }
    return {{"action", action},
            {"number", number},
            {"issue",
             {{"id", 10 * number},
              {"number", number},
              {"title", "Fix the crash"},
              {"state", "open"},
              {"labels", label_list},
              {"assignees", assignee_list},
              {"pull_request", nullptr}}},
            {"repository", repository()},
            {"sender", {{"login", "ann"}, {"username", "ann"}}}};
}

json comment_payload(std::int64_t number, std::int64_t id, const std::string& user,
                     const std::string& body) {
    return {{"action", "created"},
            {"issue",
             {{"number", number},
              {"title", "PR"},
              {"state", "open"},
              {"labels", json::array()},
              {"assignees", json::array()},
              {"pull_request", {{"merged", false}}}}},
            {"comment", {{"id", id}, {"body", body}, {"user", {{"login", user}}}}},
            {"repository", repository()},
            {"sender", {{"login", user}, {"username", user}}}};
}

json pr_closed_payload(std::int64_t number, bool merged) {
    return {{"action", "closed"},
            {"number", number},
            {"pull_request",
             {{"number", number},
              {"state", "closed"},
              {"merged", merged},
              {"labels", json::array()},
              {"head", {{"ref", "x"}}}}},
            {"repository", repository()},
            {"sender", {{"login", "ann"}, {"username", "ann"}}}};
}

void put_issue(FakeForge& forge, const std::string& body, std::int64_t number = 17) {
    FakeIssue issue;
    issue.number = number;
    issue.title = "Fix the crash";
    issue.body = body;
    issue.labels = {"forgebot:claude"};
    forge.put_issue(issue);
}

const std::string k_agent_work = "edit=fix.txt commit call=push_branch "
                                 "call=open_pr:{\"title\":\"Fix\",\"body\":\"Fixes\"} "
                                 "call=signal_done:{\"status\":\"success\",\"summary\":\"done\"}";

} // namespace

TEST_CASE("orchestrate serve runs the loop from trigger to PR close", "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, k_agent_work);

    CHECK(o.deliver("issues", issue_payload("labeled", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto frozen = o.wait_for_state("frozen");
    const std::string slug = frozen["slug"];
    INFO(o.log());
    REQUIRE(frozen["pr"].is_number_integer());
    const auto pr = frozen["pr"].get<std::int64_t>();
    CHECK(o.forge.git_ref("refs/heads/forgebot/17-" + slug).has_value());

    // A review comment by a member rehydrates it with the new comment in the prompt.
    const auto comment = o.forge.add_comment(pr, "ann", "Please also " + k_agent_work);
    CHECK(o.deliver("issue_comment", comment_payload(pr, comment, "ann", "Please also ..."),
                    "pull_request_comment") == 202);
    for (int i = 0; i < 300 && o.f.records(slug).size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto records = o.f.records(slug);
    REQUIRE(records.size() == 2);
    CHECK(records[1]["prompt"].get<std::string>().find("@ann on #" + std::to_string(pr)) !=
          std::string::npos);
    const auto argv = records[1]["argv"].get<std::vector<std::string>>();
    CHECK(std::find(argv.begin(), argv.end(),
                    "--resume=" + records[0]["session"].get<std::string>()) != argv.end());
    // It signals done again and is frozen again.
    for (int i = 0; i < 300; ++i) {
        const auto shown = o.f.show(slug);
        if (shown["status"] == "frozen" && !shown["running"].get<bool>()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    o.wait_for_state("frozen");

    // Closing the PR destroys the bottle.
    CHECK(o.deliver("pull_request", pr_closed_payload(pr, true), "pull_request") == 202);
    o.wait_for_state("destroyed");
    CHECK(o.f.show(slug)["status"] == "destroyed");

    const auto provenance = o.f.forgebot({"provenance", slug, "--json"});
    REQUIRE(provenance.exit_code == 0);
    const auto record = json::parse(provenance.out);
    CHECK(record["agent"] == "claude");
    CHECK(record["cost_usd"] == 0.0123);
    CHECK(record["watchdog_fired"] == false);
    bool pushed = false;
    for (const auto& op : record["operations"]) {
        pushed = pushed || op["operation"] == "push_branch";
    }
    CHECK(pushed);
}

TEST_CASE("orchestrate serve refuses bad signatures and dispatches a delivery once",
          "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, "call=signal_done:{\"status\":\"success\",\"summary\":\"ok\"}");
    const auto payload = issue_payload("labeled", {"forgebot:claude"}, {"ann"});
    CHECK(o.deliver("issues", payload, "issues", "wrong-secret") == 401);
    CHECK(o.http_status("POST", "/webhook/local", "{}", {"X-Gitea-Event: issues"}) == 401);
    CHECK(o.http_status("POST", "/webhook/nope", "{}") == 404);

    // The same delivery id twice: accepted once.
    const auto body = payload.dump();
    const std::vector<std::string> headers{"X-Gitea-Event: issues", "X-Gitea-Delivery: same-1",
                                           "X-Gitea-Signature: " +
                                               forgebot::util::hmac_sha256_hex(k_secret, body)};
    CHECK(o.http_status("POST", "/webhook/local", body, headers) == 202);
    CHECK(o.http_status("POST", "/webhook/local", body, headers) == 200);
    o.wait_for_state("frozen");
    const auto bottles = json::parse(o.f.forgebot({"list", "--json"}).out);
    CHECK(bottles.size() == 1);
}

TEST_CASE("orchestrate serve dispatches nothing under the kill switch or for outsiders or "
          "unlabelled issues",
          "[orchestrator][e2e]") {
    SECTION("kill switch") {
        Orchestrated o(false);
        put_issue(o.forge, "exit=0");
        CHECK(o.deliver("issues", issue_payload("labeled", {"forgebot:claude"}, {"ann"}),
                        "issues") == 202);
        std::this_thread::sleep_for(std::chrono::seconds(1));
        CHECK(o.log().find("kill switch is on") != std::string::npos);
        CHECK(json::parse(o.f.forgebot({"orchestrate", "status", "--json"}).out).empty());
        CHECK(o.f.forgebot({"orchestrate", "status"}).out.find("kill switch: on") == 0);
    }
    SECTION("assignee outside the org, and no label") {
        Orchestrated o;
        put_issue(o.forge, "exit=0");
        CHECK(o.deliver("issues", issue_payload("labeled", {"forgebot:claude"}, {"bob"}),
                        "issues") == 202);
        CHECK(o.deliver("issues", issue_payload("assigned", {"bug"}, {"ann"}), "issues") == 202);
        for (int i = 0; i < 50 && o.log().find("no forgebot:AGENT label") == std::string::npos;
             ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        INFO(o.log());
        CHECK(o.log().find("no assignee is a member of forgebot") != std::string::npos);
        CHECK(o.log().find("no forgebot:AGENT label") != std::string::npos);
        CHECK(json::parse(o.f.forgebot({"orchestrate", "status", "--json"}).out).empty());
    }
}

TEST_CASE("the watchdog freezes a silent run and flags it", "[orchestrator][e2e]") {
    Orchestrated o(true, "watchdog_timeout = 2\n");
    put_issue(o.forge, "sleep=60");
    CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto frozen = o.wait_for_state("frozen");
    INFO(o.log());
    CHECK(frozen["flags"] == json::array({"watchdog_fired"}));
    const std::string slug = frozen["slug"];
    for (int i = 0; i < 100 && o.f.show(slug)["running"].get<bool>(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(o.f.show(slug)["running"] == false);
    CHECK(json::parse(o.f.forgebot({"provenance", slug, "--json"}).out)["watchdog_fired"] == true);
}

TEST_CASE("a sidecar killed mid-run stops the agent and flags the run", "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, "sleep=60");
    CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto running = o.wait_for_state("running");
    const std::string slug = running["slug"];
    json shown;
    for (int i = 0; i < 100; ++i) {
        shown = o.f.show(slug);
        if (shown.contains("sidecar_pid") && !o.f.records(slug).empty()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(shown.contains("sidecar_pid"));
    ::kill(shown["sidecar_pid"].get<int>(), SIGKILL);
    const auto frozen = o.wait_for_state("frozen");
    INFO(o.log());
    CHECK(frozen["flags"] == json::array({"sidecar_died"}));
}

TEST_CASE("an agent that exits without signalling is frozen and flagged", "[orchestrator][e2e]") {
    Orchestrated o;
    put_issue(o.forge, "exit=0");
    CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}), "issues") ==
          202);
    const auto frozen = o.wait_for_state("frozen");
    CHECK(frozen["flags"] == json::array({"exited_without_signal"}));
}

TEST_CASE("a killed orchestrator carries on after a restart and dispatches each issue once",
          "[orchestrator][e2e]") {
    Orchestrated o(true, "max_concurrent = 2\n");
    const std::string done = "call=signal_done:{\"status\":\"success\",\"summary\":\"ok\"}";
    for (std::int64_t n = 17; n <= 21; ++n) {
        put_issue(o.forge, done, n);
    }
    for (std::int64_t n = 17; n <= 19; ++n) {
        CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}, n),
                        "issues") == 202);
    }
    o.serve->kill();
    o.launch();
    // The first delivery again (same id) and the rest.
    const auto body = issue_payload("opened", {"forgebot:claude"}, {"ann"}, 17).dump();
    CHECK(o.http_status(
              "POST", "/webhook/local", body,
              {"X-Gitea-Event: issues", "X-Gitea-Delivery: d-1",
               "X-Gitea-Signature: " + forgebot::util::hmac_sha256_hex(k_secret, body)}) == 200);
    for (std::int64_t n = 20; n <= 21; ++n) {
        CHECK(o.deliver("issues", issue_payload("opened", {"forgebot:claude"}, {"ann"}, n),
                        "issues") == 202);
    }
    json runs;
    for (int i = 0; i < 600; ++i) {
        runs = json::parse(o.f.forgebot({"orchestrate", "status", "--json"}).out);
        const auto frozen = std::count_if(
            runs.begin(), runs.end(), [](const json& run) { return run["status"] == "frozen"; });
        if (frozen == 5) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(o.log());
    INFO(runs.dump());
    REQUIRE(runs.size() == 5);
    for (const auto& run : runs) {
        CHECK(run["status"] == "frozen");
        CHECK(run["flags"].empty());
    }
    CHECK(json::parse(o.f.forgebot({"list", "--json"}).out).size() == 5);
}
