// Shared set-up for the orchestrator integration tests: the loopback forge hosting o/r, a
// configuration arming it, and `forgebot orchestrate serve` on a free port.
#pragma once

#include "fakes/background_process.hpp"
#include "fakes/fake_forge.hpp"
#include "fakes/free_port.hpp"
#include "integration/bottle_fixture.hpp"
#include "util/hmac.hpp"

#include <chrono>
#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace forgebot::testing {

/// The bot's token on the fake forges.
inline constexpr const char* k_orchestrator_token = "fbtok-orch-51aa7c0e9d";
/// The webhook secret of forge `local`.
inline constexpr const char* k_webhook_secret = "hook-secret-3f9b";

/// Fake agent instructions: commit a fix, push it, open a PR and signal done.
inline const std::string k_agent_work =
    "edit=fix.txt commit call=push_branch "
    "call=open_pr:{\"title\":\"Fix\",\"body\":\"Fixes\"} "
    "call=signal_done:{\"status\":\"success\",\"summary\":\"done\"}";

/// Puts issue `number` ("Fix the crash", labelled forgebot:claude) on `forge`, its body the fake
/// agent's instructions.
inline void put_issue(FakeForge& forge, const std::string& body, std::int64_t number = 17,
                      std::vector<std::string> assignees = {}) {
    FakeIssue issue;
    issue.number = number;
    issue.title = "Fix the crash";
    issue.body = body;
    issue.labels = {"forgebot:claude"};
    issue.assignees = std::move(assignees);
    forge.put_issue(issue);
}

/// How an Orchestrated world is set up.
struct OrchestratedOptions {
    bool armed = true;                     ///< kill_switch = false
    std::string extra_config{};            ///< top-level TOML put first in config.toml
    std::string extra_forges{};            ///< more `[[forges]]` tables, after forge `local`
    std::vector<std::string> serve_args{}; ///< after `orchestrate serve`
    FakeForgeFlavor flavor = FakeForgeFlavor::gitea; ///< of forge `local`
};

/// The loopback forge (forge `local`, kind as its flavour, member ann of org forgebot, bot
/// account forgebot-bot), a config arming o/r, and `orchestrate serve` on a free port.
struct Orchestrated {
    OrchestratedOptions options;
    BottleFixture f;
    FakeForge forge{options.flavor};
    std::uint16_t port = free_port();
    std::unique_ptr<BackgroundProcess> serve;
    int deliveries = 0;
    int launches = 0;

    explicit Orchestrated(bool armed = true, const std::string& extra_config = {})
        : Orchestrated(OrchestratedOptions{.armed = armed, .extra_config = extra_config}) {}

    explicit Orchestrated(OrchestratedOptions options_) : options(std::move(options_)) {
        forge.set_token(k_orchestrator_token);
        const auto bare = f.root.path() / "forge.git";
        forge.serve_git(bare);
        git_line({"-C", f.repo.string(), "push", "-q", bare.string(), "main"});
        forge.add_org_member("forgebot", "ann");
        forge.set_user("forgebot-bot");
        const auto dir = f.config / "forgebot";
        std::filesystem::create_directories(dir);
        for (const auto& [file, text] :
             {std::pair{"token", k_orchestrator_token}, {"secret", k_webhook_secret}}) {
            write_file(dir / file, std::string(text) + "\n");
            std::filesystem::permissions(dir / file, std::filesystem::perms::owner_read |
                                                         std::filesystem::perms::owner_write);
        }
        const std::string kind = options.flavor == FakeForgeFlavor::github ? "github" : "gitea";
        write_file(dir / "config.toml",
                   options.extra_config + std::string("kill_switch = ") +
                       (options.armed ? "false" : "true") +
                       "\nallowlist = [\"o/r\"]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                       "\"\n[[forges]]\nname = \"local\"\nkind = \"" + kind + "\"\napi_url = \"" +
                       forge.base_url() +
                       "\"\ntoken_file = \"token\"\nwebhook_secret_file = \"secret\"\n" +
                       options.extra_forges);
        launch();
    }

    /// Starts `orchestrate serve` and waits until it answers.
    void launch() {
        BackgroundOptions background;
        for (const auto& [name, value] : f.options().env) {
            background.env[name] = value;
        }
        background.env["FORGEBOT_STOP_GRACE"] = "1s";
        background.stderr_file = f.root.path() / ("serve-" + std::to_string(++launches) + ".log");
        std::vector<std::string> argv{FORGEBOT_BINARY, "orchestrate", "serve"};
        argv.insert(argv.end(), options.serve_args.begin(), options.serve_args.end());
        serve = std::make_unique<BackgroundProcess>(argv, background);
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

    /// What every `serve` so far wrote on standard error.
    std::string log() const {
        std::string all;
        for (int i = 1; i <= launches; ++i) {
            all += read_file(f.root.path() / ("serve-" + std::to_string(i) + ".log"));
        }
        return all;
    }

    /// Whether log() shows `text` within `seconds`.
    bool wait_for_log(const std::string& text, int seconds = 30) const {
        for (int i = 0; i < seconds * 10; ++i) {
            if (log().find(text) != std::string::npos) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
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
    int deliver(const std::string& event, const nlohmann::json& payload, std::string type = {},
                std::string secret = k_webhook_secret) {
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

    /// The tracked runs (`orchestrate status --json`).
    nlohmann::json runs() const {
        const auto r = f.forgebot({"orchestrate", "status", "--json"});
        return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::array();
    }

    /// What the fake agent recorded in bottle `slug`, once there are `count` records or
    /// `seconds` have passed.
    std::vector<nlohmann::json> wait_for_records(const std::string& slug, std::size_t count,
                                                 int seconds = 30) const {
        for (int i = 0; i < seconds * 10 && f.records(slug).size() < count; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return f.records(slug);
    }

    /// Waits until bottle `slug` is frozen and its agent stopped, then for its run to be
    /// frozen (see wait_for_state).
    nlohmann::json wait_for_bottle_frozen(const std::string& slug, int seconds = 30) const {
        for (int i = 0; i < seconds * 10; ++i) {
            const auto shown = f.show(slug);
            if (shown["status"] == "frozen" && !shown["running"].get<bool>()) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return wait_for_state("frozen");
    }

    /// The tracked run of issue 17, once its state matches `status` (and has a slug).
    nlohmann::json wait_for_state(const std::string& status, int seconds = 30) const {
        nlohmann::json last;
        for (int i = 0; i < seconds * 10; ++i) {
            for (const auto& run : runs()) {
                last = run;
                if (run["issue"] == 17 && run["status"] == status && run["slug"] != "") {
                    return run;
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

} // namespace forgebot::testing
