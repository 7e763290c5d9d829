// `forgebot start`: make a bottle and run an agent in it, headless or attached to the terminal.
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "util/error.hpp"

#include <CLI/CLI.hpp>

namespace forgebot::cmd {

namespace {

struct StartCliOptions {
    std::string agent;
    bool headless = false;
    std::string prompt;
    std::string repo;
    std::string base = "HEAD";
    bool copy = false;
    std::vector<std::string> bottles;
    std::string backend;
    std::string label;
    std::string timeout;
    bool dry_run = false;
    bool json = false;
    std::string forge;
    std::string owner;
    std::int64_t issue = 0;
    std::vector<std::int64_t> prs;
};

int run_start(const StartCliOptions& o) {
    bottle::StartOptions options;
    options.agent = o.agent;
    options.headless = o.headless;
    options.prompt = o.prompt;
    if (o.headless && o.prompt.empty()) {
        throw Error(Errc::usage, "--headless requires --prompt: forgebot start " + o.agent +
                                     " --headless --prompt 'Fix the failing test'");
    }
    options.base = o.base;
    options.copy = o.copy;
    options.bottles = o.bottles;
    if (!o.backend.empty()) {
        options.backend = parse_backend_option(o.backend);
    }
    if (!o.label.empty()) {
        options.label = o.label;
    }
    if (!o.timeout.empty()) {
        options.timeout = parse_timeout_option(o.timeout);
    }
    options.dry_run = o.dry_run;
    options.json = o.json;
    const bool forge_run = !o.forge.empty() || !o.owner.empty() || o.issue != 0 || !o.prs.empty();
    if (forge_run) {
        if (o.forge.empty() || o.owner.empty() || o.repo.empty() || o.issue <= 0) {
            throw Error(Errc::usage, "a forge run needs --forge NAME --owner OWNER --repo NAME "
                                     "--issue N");
        }
        if (o.copy) {
            throw Error(Errc::usage, "--copy does not go with --forge");
        }
        for (const auto pr : o.prs) {
            if (pr <= 0) {
                throw Error(Errc::usage, "--pr must be a positive PR number");
            }
        }
        options.forge = bottle::ForgeRun{o.forge, o.owner, o.repo, o.issue, o.prs, std::nullopt};
    } else if (!o.repo.empty()) {
        options.repo = o.repo;
    }
    auto context = open_bottle_context(o.dry_run);
    return context.sessions->start(options).exit_code;
}

} // namespace

void add_start(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<StartCliOptions>();
    CLI::App* app = parent.add_subcommand("start", "Make a bottle and run an agent in it");
    configure_app(*app);
    app->add_option("agent", o->agent, "The agent: claude, codex, or a manifest's name")
        ->required();
    app->add_flag("--headless", o->headless,
                  "Run without a terminal or questions; events on stderr, stdout stays clean");
    app->add_option("--prompt", o->prompt, "What the agent should do (required with --headless)");
    app->add_option("--repo", o->repo,
                    "The git repository to work in [current directory]; with --forge, the "
                    "forge repository's name");
    app->add_option("--base", o->base, "Where the agent's branch starts [HEAD]");
    app->add_flag("--copy", o->copy, "Work on a copy of a directory that is not a git repository");
    app->add_option("--bottle", o->bottles, "A bottle profile (repeatable) [the agent's]");
    app->add_option("--backend", o->backend, "process or bwrap [bwrap when it works here]");
    app->add_option("--label", o->label, "A label recorded with the bottle");
    app->add_option("--timeout", o->timeout, "Stop the agent after this long, e.g. 30m");
    app->add_flag("--dry-run", o->dry_run,
                  "Print the command, environment names, binds and workspace; create nothing");
    app->add_flag("--json", o->json,
                  "Raw agent events on stderr and the bottle's record as JSON on stdout");
    app->add_option("--forge", o->forge, "A forge from config.toml: run on one of its issues");
    app->add_option("--owner", o->owner, "The forge repository's owner (with --forge)");
    app->add_option("--issue", o->issue, "The issue to work on (with --forge)");
    app->add_option("--pr", o->prs, "A PR of the issue the agent may write to (repeatable)");
    app->callback([&outcome, o] { outcome.exit_code = run_start(*o); });
}

} // namespace forgebot::cmd
