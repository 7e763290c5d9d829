// `forgebot resume`: run a stopped bottle again, continuing its provider session.
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "util/error.hpp"

#include <CLI/CLI.hpp>

namespace forgebot::cmd {

namespace {

struct ResumeCliOptions {
    std::string identity;
    bool headless = false;
    std::string prompt;
    bool prompt_given = false;
    std::string backend;
    std::string timeout;
    bool dry_run = false;
    bool json = false;
};

int run_resume(const ResumeCliOptions& o) {
    // Rationale: these two checks come first, before anything is opened, and their wording is
    // part of the interface orchestrators rely on.
    if (o.prompt_given && !o.headless) {
        throw Error(Errc::usage, "--prompt is only valid with --headless");
    }
    if (o.headless && o.prompt.empty()) {
        throw Error(Errc::usage, "--headless requires --prompt: forgebot resume " + o.identity +
                                     " --headless --prompt 'Address the review'");
    }
    bottle::ResumeOptions options;
    options.identity = o.identity;
    options.headless = o.headless;
    options.prompt = o.prompt;
    if (!o.backend.empty()) {
        options.backend = parse_backend_option(o.backend);
    }
    if (!o.timeout.empty()) {
        options.timeout = parse_timeout_option(o.timeout);
    }
    options.dry_run = o.dry_run;
    options.json = o.json;
    auto context = open_bottle_context();
    return context.sessions->resume(options).exit_code;
}

} // namespace

void add_resume(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<ResumeCliOptions>();
    CLI::App* app =
        parent.add_subcommand("resume", "Run a stopped bottle again, continuing its session");
    configure_app(*app);
    app->add_option("identity", o->identity, "The bottle, e.g. claude-ab3de")->required();
    app->add_flag("--headless", o->headless, "Run without a terminal or questions");
    auto* prompt = app->add_option("--prompt", o->prompt, "The next instruction (--headless only)");
    app->add_option("--backend", o->backend, "process or bwrap [the bottle's]");
    app->add_option("--timeout", o->timeout, "Stop the agent after this long, e.g. 30m");
    app->add_flag("--dry-run", o->dry_run, "Print what would run; change nothing");
    app->add_flag("--json", o->json,
                  "Raw agent events on stderr and the bottle's record as JSON on stdout");
    app->callback([&outcome, o, prompt] {
        o->prompt_given = prompt->count() > 0;
        outcome.exit_code = run_resume(*o);
    });
}

} // namespace forgebot::cmd
