// `forgebot sidecar`: the per-run forge sidecar, serving JSON-RPC on a Unix socket in the
// foreground until SIGTERM or SIGINT.
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "forge/client.hpp"
#include "forge/scoped_forge.hpp"
#include "sidecar/audit.hpp"
#include "sidecar/push.hpp"
#include "sidecar/queue.hpp"
#include "sidecar/routes.hpp"
#include "sidecar/service.hpp"
#include "sidecar/token.hpp"
#include "store/home.hpp"
#include "util/error.hpp"
#include "util/http_server.hpp"
#include "util/log.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <sstream>

namespace forgebot::cmd {

namespace {

struct SidecarOptions {
    std::string socket;
    std::string queue_dir;
    std::string identity;
    std::string forge = "gitea";
    std::string api_url;
    std::string owner;
    std::string repo;
    std::int64_t issue = 0;
    std::vector<std::int64_t> prs;
    std::string workspace;
    std::string branch;
    std::optional<int> token_fd;
    std::string token_file;
    std::string audit_log;
    std::string log_level = "info";
    std::size_t workers = 8;
};

std::string read_token(const SidecarOptions& options) {
    const int sources = (options.token_fd ? 1 : 0) + (options.token_file.empty() ? 0 : 1);
    if (sources > 1) {
        throw Error(Errc::usage, "give the token one way: --token-fd or --token-file");
    }
    if (options.token_fd) {
        return sidecar::read_token_fd(*options.token_fd);
    }
    if (!options.token_file.empty()) {
        return sidecar::read_token_file(options.token_file);
    }
    if (auto token = sidecar::take_token_env()) {
        return *token;
    }
    throw Error(Errc::usage, "no forge token: pass --token-fd N or --token-file FILE, or set "
                             "FORGE_TOKEN");
}

std::string join_numbers(const std::vector<std::int64_t>& numbers) {
    std::ostringstream out;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        out << (i > 0 ? ", " : "") << numbers[i];
    }
    return out.str();
}

int run_sidecar(const SidecarOptions& options) {
    apply_log_level(options.log_level);
    if (options.issue <= 0) {
        throw Error(Errc::usage, "--issue must be a positive issue number");
    }
    if (options.workspace.empty() != options.branch.empty()) {
        throw Error(Errc::usage, "--workspace and --branch go together");
    }

    forge::ForgeConfig config;
    config.kind = forge::parse_forge_kind(options.forge);
    config.api_url = options.api_url;
    config.owner = options.owner;
    config.repo = options.repo;
    config.token = read_token(options);
    const auto client = forge::make_forge(config);
    forge::ScopedForge scoped(*client, options.issue);
    for (const auto pr : options.prs) {
        if (pr <= 0) {
            throw Error(Errc::usage, "--pr must be a positive PR number");
        }
        scoped.allow(pr);
    }

    const std::filesystem::path queue_dir = options.queue_dir;
    const std::filesystem::path audit_path = options.audit_log.empty()
                                                 ? queue_dir.parent_path() / "audit.jsonl"
                                                 : std::filesystem::path(options.audit_log);
    sidecar::QueueWriter queue(queue_dir);
    sidecar::AuditLog audit(audit_path, store::default_database_path());

    std::unique_ptr<sidecar::GitPusher> pusher;
    sidecar::RunScope scope{options.identity, options.owner, options.repo, options.issue,
                            std::nullopt};
    if (!options.branch.empty()) {
        scope.branch = options.branch;
        sidecar::PushConfig push;
        push.workspace = options.workspace;
        push.branch = options.branch;
        push.mirror = queue_dir.parent_path() / "push.git";
        push.kind = config.kind;
        push.token = config.token;
        push.clone_url = [&scoped] {
            return scoped.clone_url();
        };
        pusher = std::make_unique<sidecar::GitPusher>(std::move(push));
    }
    sidecar::Service service(scope, scoped, queue, audit, pusher.get());

    boost::asio::thread_pool workers(options.workers);
    util::UnixHttpServer server(
        options.socket, sidecar::make_handler(service, [&workers](std::function<void()> task) {
            boost::asio::post(workers, std::move(task));
        }));
    server.on_signals([&server](int signal) {
        util::log(util::LogLevel::info,
                  "signal " + std::to_string(signal) + ": finishing requests in flight");
        server.stop();
    });
    util::log(util::LogLevel::info, "sidecar " + options.identity + " listening on " +
                                        options.socket + " for " + options.owner + "/" +
                                        options.repo + "#" + std::to_string(options.issue) +
                                        " (writable: " + join_numbers(scoped.writable()) + ")");
    server.run();
    workers.join();
    audit.flush();
    util::log(util::LogLevel::info, "sidecar " + options.identity + " stopped");
    return 0;
}

} // namespace

void add_sidecar(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<SidecarOptions>();
    CLI::App* app = parent.add_subcommand(
        "sidecar", "Serve one run's scoped forge API on a Unix socket (holds the token)");
    configure_app(*app);
    app->add_option("--socket", o->socket, "Unix socket to serve on (created 0600)")
        ->envname("FORGEBOT_SIDECAR_SOCKET")
        ->required();
    app->add_option("--queue-dir", o->queue_dir, "Maildir-style queue for signal_done events")
        ->envname("FORGEBOT_QUEUE_DIR")
        ->required();
    app->add_option("--identity", o->identity, "The run's identity (slug)")
        ->envname("FORGEBOT_IDENTITY")
        ->required();
    app->add_option("--forge", o->forge, "Forge kind: gitea, forgejo or github")
        ->envname("FORGE_KIND")
        ->check(CLI::IsMember({"gitea", "forgejo", "github"}));
    app->add_option("--api-url", o->api_url, "Forge API base, e.g. https://HOST/api/v1")
        ->envname("FORGE_API")
        ->required();
    app->add_option("--owner", o->owner, "Repository owner")->envname("FORGE_OWNER")->required();
    app->add_option("--repo", o->repo, "Repository name")->envname("FORGE_REPO")->required();
    app->add_option("--issue", o->issue, "The assigned issue number")
        ->envname("FORGE_ISSUE_NUMBER")
        ->required();
    app->add_option("--pr", o->prs, "A PR of the issue the run may write to (repeatable)")
        ->envname("FORGE_PR_NUMBER")
        ->delimiter(',');
    app->add_option("--workspace", o->workspace, "The run's git workspace (for push_branch)")
        ->envname("FORGEBOT_WORKSPACE");
    app->add_option("--branch", o->branch, "The run's own branch (push_branch, open_pr)")
        ->envname("FORGEBOT_BRANCH");
    app->add_option("--token-fd", o->token_fd,
                    "Read the forge token from this inherited descriptor");
    app->add_option("--token-file", o->token_file, "Read the forge token from a mode-0600 file")
        ->envname("FORGE_TOKEN_FILE");
    app->add_option("--audit-log", o->audit_log, "JSON-lines audit log [QUEUE_DIR/../audit.jsonl]")
        ->envname("FORGEBOT_AUDIT_LOG");
    app->add_option("--log-level", o->log_level, "error, warn, info or debug [info]")
        ->envname("FORGEBOT_LOG_LEVEL");
    app->footer("The token is never taken from an argument. FORGE_TOKEN also works but is visible "
                "in /proc/PID/environ.");
    app->callback([&outcome, o] { outcome.exit_code = run_sidecar(*o); });
}

} // namespace forgebot::cmd
