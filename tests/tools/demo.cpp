// `make demo`: the whole orchestrator loop offline, told step by step. The loopback forge of the
// tests stands in for a Gitea server (its API, and git over plain HTTP, on 127.0.0.1); this
// program plays that forge's people and its webhooks, runs `forgebot orchestrate serve` armed for
// the demo repository, and shows what forgebot says at each step.
#include "fakes/background_process.hpp"
#include "fakes/fake_forge.hpp"
#include "fakes/free_port.hpp"
#include "fakes/temp_dir.hpp"
#include "forge/curl_transport.hpp"
#include "util/child.hpp"
#include "util/hmac.hpp"
#include "util/process.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using forgebot::testing::BackgroundOptions;
using forgebot::testing::BackgroundProcess;
using forgebot::testing::FakeForge;
using forgebot::testing::FakeForgeFlavor;
using forgebot::testing::FakeIssue;
using nlohmann::json;

namespace {

constexpr const char* k_owner = "demo";
constexpr const char* k_repo = "hello";
constexpr const char* k_member = "alice"; ///< a member of the agent org, who asks and reviews
constexpr const char* k_bot = "forgebot-bot";

/// A failed step: the message is printed, with the orchestrator's log, and the demo exits 1.
struct DemoFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string random_hex(std::size_t bytes) {
    std::random_device device;
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        constexpr const char* k_digits = "0123456789abcdef";
        const auto byte = device() & 0xffU;
        out += k_digits[byte >> 4U];
        out += k_digits[byte & 0xfU];
    }
    return out;
}

void write_file(const fs::path& file, const std::string& text, bool secret = false) {
    std::ofstream(file) << text;
    if (secret) {
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    }
}

/// Runs argv; its result, or DemoFailure naming the command when it exits non-zero.
forgebot::util::ProcessResult run(const std::vector<std::string>& argv, bool must_succeed = true) {
    forgebot::util::ProcessOptions options;
    options.timeout = std::chrono::minutes(2);
    auto result = forgebot::util::run_process(argv, options);
    if (must_succeed && result.exit_code != 0) {
        throw DemoFailure("'" + argv.front() + " " + (argv.size() > 1 ? argv[1] : "") +
                          "' exited " + std::to_string(result.exit_code) + ": " + result.err);
    }
    return result;
}

/// One Gitea-shaped user object.
json user(const std::string& login) {
    return {{"id", login.size()}, {"login", login}, {"username", login}};
}

/// Prints `text` line by line, set off with "  | ".
void quote(const std::string& text) {
    for (std::size_t at = 0; at < text.size();) {
        const auto eol = std::min(text.find('\n', at), text.size());
        std::cout << "  | " << text.substr(at, eol - at) << "\n";
        at = eol + 1;
    }
}

json repository(const FakeForge& forge) {
    return {{"id", 1},
            {"name", k_repo},
            {"full_name", std::string(k_owner) + "/" + k_repo},
            {"owner", user(k_owner)},
            {"html_url", forge.origin() + "/" + k_owner + "/" + k_repo},
            {"clone_url", forge.origin() + "/" + k_owner + "/" + k_repo + ".git"}};
}

class Demo {
public:
    Demo(fs::path forgebot, fs::path examples, std::string agent)
        : m_forgebot(std::move(forgebot)), m_examples(std::move(examples)),
          m_agent(std::move(agent)) {}

    ~Demo() {
        if (m_serve) {
            m_serve->send_signal(SIGTERM);
            if (!m_serve->wait_for(std::chrono::seconds(20))) {
                m_serve->kill();
            }
        }
    }
    Demo(const Demo&) = delete;
    Demo& operator=(const Demo&) = delete;

    void run_all() {
        set_up();
        start_orchestrator();
        forged_webhook();
        trigger();
        review();
        close();
        stop_orchestrator();
    }

    /// The orchestrator's log so far, for a failure report.
    std::string serve_log() const { return forgebot::testing::read_text(m_serve_log); }

private:
    void set_up() {
        m_forge.set_token(m_token);
        m_forge.set_user(k_bot);
        m_forge.add_org_member("forgebot", k_member);
        m_forge.serve_git(m_dir.path() / "forge" / "hello.git");

        // The repository on the forge: one commit on main.
        const auto work = m_dir.path() / "seed";
        run({"git", "init", "-q", "-b", "main", work.string()});
        write_file(work / "README.md", "# hello\n\nA repository for the forgebot demo.\n");
        write_file(work / "CHANGES.md", "# Changes\n\n");
        run({"git", "-C", work.string(), "add", "."});
        run({"git", "-C", work.string(), "-c", "user.name=alice", "-c",
             "user.email=alice@example.invalid", "commit", "-q", "-m", "Start"});
        run({"git", "-C", work.string(), "push", "-q",
             (m_dir.path() / "forge" / "hello.git").string(), "main"});

        FakeIssue issue;
        issue.number = 1;
        issue.title = "Note the first release in CHANGES.md";
        issue.body = "CHANGES.md has only its heading. Add a line saying that this is the first "
                     "release, then open a pull request.";
        issue.labels = {"forgebot:" + m_agent};
        m_forge.put_issue(issue);

        // forgebot's own files: a config that arms demo/hello, the forge's token and webhook
        // secret in files only the user can read, and the demo agent's manifest.
        const auto config = m_dir.path() / "config";
        fs::create_directories(config / "forgebot" / "agents");
        write_file(config / "forgebot" / "token", m_token + "\n", true);
        write_file(config / "forgebot" / "webhook-secret", m_secret + "\n", true);
        m_config = config / "forgebot" / "config.toml";
        write_file(m_config, "# The demo: armed for demo/hello only.\n"
                             "org = \"forgebot\"\n"
                             "kill_switch = false\n"
                             "allowlist = [\"demo/hello\"]\n"
                             "listen = \"127.0.0.1:" +
                                 m_port +
                                 "\"\n"
                                 "\n[[forges]]\n"
                                 "name = \"gitea\"\n"
                                 "kind = \"gitea\"\n"
                                 "api_url = \"" +
                                 m_forge.base_url() +
                                 "\"\n"
                                 "token_file = \"token\"\n"
                                 "webhook_secret_file = \"webhook-secret\"\n");
        fs::copy_file(m_examples / "demo.toml", config / "forgebot" / "agents" / "demo.toml");

        ::setenv("FORGEBOT_HOME", (m_dir.path() / "home").c_str(), 1);
        ::setenv("XDG_CONFIG_HOME", config.c_str(), 1);
        ::setenv("FORGEBOT_STOP_GRACE", "2s", 1);
        const auto path = forgebot::util::get_env("PATH").value_or("/usr/bin:/bin");
        ::setenv("PATH", (m_examples.string() + ":" + path).c_str(), 1);

        std::cout << "forgebot demo: an issue becomes a pull request, is reviewed, and is closed\n"
                  << "  forge   " << m_forge.origin()
                  << "  (a stand-in for Gitea: the loopback forge of the tests)\n"
                  << "          repository demo/hello, issue #1 \"" << issue.title << "\"\n"
                  << "  agent   " << m_agent
                  << (m_agent == "demo" ? "  (examples/forgebot-demo-agent, a script; no model)"
                                        : "  (the real agent on PATH)")
                  << "\n  home    FORGEBOT_HOME=" << (m_dir.path() / "home").string() << "\n";
    }

    void start_orchestrator() {
        heading("forgebot orchestrate serve --config " + m_config.string() + " &");
        BackgroundOptions options;
        options.stderr_file = m_serve_log;
        m_serve = std::make_unique<BackgroundProcess>(
            std::vector<std::string>{m_forgebot.string(), "orchestrate", "serve", "--config",
                                     m_config.string()},
            options);
        bool listening = false;
        for (int i = 0; i < 200 && !listening; ++i) {
            listening = serve_log().find("listening on ") != std::string::npos;
            if (!m_serve->running()) {
                throw DemoFailure("orchestrate serve exited at start");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!listening) {
            throw DemoFailure("orchestrate serve did not start listening");
        }
        show_log();
        show({"orchestrate", "status"});
    }

    /// Shows that an unsigned or wrongly signed delivery is refused.
    void forged_webhook() {
        narrate("someone without the webhook secret posts a webhook: refused, nothing stored");
        const auto status = deliver("issues", "issues", {{"action", "opened"}}, "not-the-secret");
        std::cout << "  -> HTTP " << status << "\n";
        if (status != 401) {
            throw DemoFailure("a forged webhook was answered " + std::to_string(status));
        }
    }

    void trigger() {
        narrate(std::string(k_member) + " labels issue #1 forgebot:" + m_agent +
                " and assigns it to herself; the forge sends a signed webhook");
        const json payload = {
            {"action", "label_updated"},
            {"number", 1},
            {"issue",
             {{"id", 101},
              {"number", 1},
              {"title", m_forge.issue(1)->title},
              {"state", "open"},
              {"user", user(k_member)},
              {"labels", json::array({{{"id", 1}, {"name", "forgebot:" + m_agent}}})},
              {"assignees", json::array({user(k_member)})},
              {"pull_request", nullptr}}},
            {"repository", repository(m_forge)},
            {"sender", user(k_member)}};
        std::cout << "  -> HTTP " << deliver("issues", "issue_label", payload) << "\n";
        m_slug = wait_for_run([](const json& run) { return run["status"] == "frozen"; },
                              "the agent to signal done")["slug"];
        show_log();
        show({"orchestrate", "status"});
        const auto state = status_of_issue();
        m_pr = state["pr"].is_number_integer() ? state["pr"].get<std::int64_t>() : 0;
        if (m_pr == 0) {
            throw DemoFailure("the run was frozen without a pull request");
        }
        const auto pr = m_forge.issue(m_pr);
        narrate("on the forge now");
        std::cout
            << "  branch forgebot/1-" << m_slug << " at "
            << m_forge.git_ref("refs/heads/forgebot/1-" + m_slug).value_or("(none)").substr(0, 12)
            << "\n  pull request #" << m_pr << " \"" << (pr ? pr->title : "") << "\"\n";
        for (const auto& comment : m_forge.comments(1)) {
            std::cout << "  comment on #1 by " << comment.user << ": " << comment.body.value_or("")
                      << "\n";
        }
        show({"provenance", m_slug});
    }

    void review() {
        const std::string body =
            "Thanks! Please also say in CHANGES.md that the release was reviewed.";
        narrate(std::string(k_member) + " comments on pull request #" + std::to_string(m_pr) +
                ": the frozen bottle is resumed with her comment");
        const auto id = m_forge.add_comment(m_pr, k_member, body);
        const json payload = {{"action", "created"},
                              {"issue",
                               {{"id", 100 + m_pr},
                                {"number", m_pr},
                                {"title", m_forge.issue(m_pr)->title},
                                {"state", "open"},
                                {"labels", json::array()},
                                {"assignees", json::array()},
                                {"pull_request", {{"merged", false}}}}},
                              {"comment", {{"id", id}, {"body", body}, {"user", user(k_member)}}},
                              {"repository", repository(m_forge)},
                              {"sender", user(k_member)},
                              {"is_pull", true}};
        std::cout << "  -> HTTP " << deliver("issue_comment", "pull_request_comment", payload)
                  << "\n";
        wait_for_run(
            [this](const json&) {
                const auto record = provenance();
                int done = 0;
                for (const auto& op : record["operations"]) {
                    done += op["operation"] == "signal_done" && op["outcome"] == "ok" ? 1 : 0;
                }
                return done >= 2 && record["state"] == "frozen" && record["status"] == "frozen";
            },
            "the resumed agent to signal done again");
        show_log();
        show({"orchestrate", "status"});
        show({"logs", m_slug});
        const auto branch = "forgebot/1-" + m_slug;
        narrate("on the forge now: the pull request's branch " + branch);
        const auto bare = (m_dir.path() / "forge" / "hello.git").string();
        std::cout
            << run({"git", "--git-dir", bare, "log", "--format=  %h %s", "main.." + branch}).out
            << "  CHANGES.md:\n";
        quote(run({"git", "--git-dir", bare, "show", branch + ":CHANGES.md"}).out);
    }

    void close() {
        narrate(std::string(k_member) + " merges pull request #" + std::to_string(m_pr) +
                ": the bottle is destroyed");
        auto pr = *m_forge.issue(m_pr);
        pr.state = "closed";
        pr.merged = true;
        m_forge.put_issue(pr);
        const json payload = {{"action", "closed"},
                              {"number", m_pr},
                              {"pull_request",
                               {{"id", 100 + m_pr},
                                {"number", m_pr},
                                {"title", pr.title},
                                {"state", "closed"},
                                {"merged", true},
                                {"labels", json::array()},
                                {"head", {{"ref", pr.head_branch}}},
                                {"base", {{"ref", pr.base_branch}}}}},
                              {"repository", repository(m_forge)},
                              {"sender", user(k_member)}};
        std::cout << "  -> HTTP " << deliver("pull_request", "pull_request", payload) << "\n";
        wait_for_run([](const json& run) { return run["status"] == "destroyed"; },
                     "the bottle to be destroyed");
        show_log();
        show({"orchestrate", "status"});
        show({"provenance", m_slug});
        if (const auto flags = provenance()["flags"]; !flags.empty()) {
            throw DemoFailure("the run ended with flags " + flags.dump());
        }
    }

    void stop_orchestrator() {
        heading("kill -TERM <orchestrate serve>");
        m_serve->send_signal(SIGTERM);
        const auto status = m_serve->wait_for(std::chrono::seconds(20));
        show_log();
        if (status != 0) {
            throw DemoFailure("orchestrate serve did not stop cleanly on SIGTERM");
        }
        m_serve.reset();
        std::cout << "\nforgebot demo: done\n";
    }

    /// Posts a Gitea webhook signed with `secret` (the configured one by default); its status.
    int deliver(const std::string& event, const std::string& type, const json& payload,
                const std::string& secret = {}) {
        const auto body = payload.dump();
        forgebot::forge::CurlTransport transport(std::chrono::seconds(5), std::chrono::seconds(30));
        const auto response = transport.send(
            {"POST",
             "http://127.0.0.1:" + m_port + "/webhook/gitea",
             {{"Content-Type", "application/json"},
              {"X-Gitea-Event", event},
              {"X-Gitea-Event-Type", type},
              {"X-Gitea-Delivery", "demo-" + std::to_string(++m_deliveries)},
              {"X-Gitea-Signature",
               forgebot::util::hmac_sha256_hex(secret.empty() ? m_secret : secret, body)}},
             body});
        return response.status;
    }

    json status_of_issue() {
        const auto out = run({m_forgebot.string(), "orchestrate", "status", "--json"}).out;
        for (const auto& run : json::parse(out)) {
            if (run["issue"] == 1 && run["slug"] != "") {
                return run;
            }
        }
        return json();
    }

    json provenance() {
        return json::parse(run({m_forgebot.string(), "provenance", m_slug, "--json"}).out);
    }

    /// Waits until the run of issue #1 satisfies `done`; the run.
    template <typename Predicate> json wait_for_run(Predicate done, const std::string& what) {
        std::cout << "  ... waiting for " << what << std::flush;
        const auto limit = m_agent == "demo" ? std::chrono::minutes(2) : std::chrono::minutes(20);
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            const auto state = status_of_issue();
            if (!state.is_null() && done(state)) {
                std::cout << "\n";
                return state;
            }
            if (!m_serve->running()) {
                throw DemoFailure("orchestrate serve exited while waiting for " + what);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        throw DemoFailure("timed out waiting for " + what);
    }

    void heading(const std::string& command) { std::cout << "\n$ " << command << "\n"; }
    void narrate(const std::string& text) { std::cout << "\n# " << text << "\n"; }

    /// Runs `forgebot ARGS` and shows the command and its output.
    void show(const std::vector<std::string>& args) {
        std::string command = "forgebot";
        for (const auto& arg : args) {
            command += " " + arg;
        }
        heading(command);
        std::vector<std::string> argv{m_forgebot.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto result = run(argv);
        std::cout << result.out << result.err << std::flush;
    }

    /// Shows the orchestrator's log lines written since the last call.
    void show_log() {
        const auto log = serve_log();
        const auto end = log.rfind('\n');
        if (end == std::string::npos || end + 1 <= m_log_shown) {
            return;
        }
        std::string fresh = log.substr(m_log_shown, end + 1 - m_log_shown);
        m_log_shown = end + 1;
        std::cout << "  [orchestrate serve]\n";
        quote(fresh);
    }

    fs::path m_forgebot;
    fs::path m_examples;
    std::string m_agent;
    forgebot::testing::TempDir m_dir{forgebot::util::get_env("TMPDIR").value_or("/tmp"),
                                     "forgebot-demo-"};
    FakeForge m_forge{FakeForgeFlavor::gitea, k_owner, k_repo};
    std::string m_token = random_hex(20);
    std::string m_secret = random_hex(20);
    fs::path m_config;
    fs::path m_serve_log = m_dir.path() / "serve.log";
    std::unique_ptr<BackgroundProcess> m_serve;
    std::size_t m_log_shown = 0;
    std::string m_port = std::to_string(forgebot::testing::free_port());
    int m_deliveries = 0;
    std::string m_slug;
    std::int64_t m_pr = 0;
};

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: forgebot_demo FORGEBOT_BINARY EXAMPLES_DIR\n"
                     "  FORGEBOT_DEMO_AGENT=claude (or codex) runs the real agent instead\n";
        return 2;
    }
    const std::string agent = forgebot::util::get_env("FORGEBOT_DEMO_AGENT").value_or("demo");
    if (agent != "demo" && agent != "claude" && agent != "codex") {
        std::cerr
            << "forgebot demo: error: FORGEBOT_DEMO_AGENT must be demo, claude or codex, not '"
            << agent << "'\n";
        return 2;
    }
    if (agent != "demo" &&
        !forgebot::util::find_program(agent, forgebot::util::get_env("PATH").value_or(""))) {
        std::cerr << "forgebot demo: error: FORGEBOT_DEMO_AGENT=" << agent << " but '" << agent
                  << "' is not on PATH\n";
        return 1;
    }
    std::unique_ptr<Demo> demo;
    try {
        demo = std::make_unique<Demo>(fs::absolute(argv[1]), fs::absolute(argv[2]), agent);
        demo->run_all();
        return 0;
    } catch (const std::exception& e) {
        std::cout << std::flush;
        std::cerr << "\nforgebot demo: error: " << e.what() << "\n";
        if (demo) {
            std::cerr << "the orchestrator's log:\n" << demo->serve_log();
        }
        return 1;
    }
}
