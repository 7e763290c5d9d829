// `forgebot orchestrate ...`: the forge-driven loop's commands (`status` so far).
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "store/database.hpp"
#include "store/forge_state.hpp"
#include "store/home.hpp"
#include "util/table.hpp"
#include "util/time.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

namespace forgebot::cmd {

namespace {

struct StatusOptions {
    bool json = false;
};

nlohmann::json to_json(const store::ForgeState& s) {
    nlohmann::json j = {
        {"owner", s.owner},
        {"repo", s.repo},
        {"issue", s.issue_number},
        {"agent", s.agent_name},
        {"slug", s.slug},
        {"status", store::to_string(s.status)},
        {"bottles", s.bottle_names},
        {"backend", s.backend_name},
        {"agent_git_user", s.agent_git_user},
        {"forge", s.forge_name},
        {"pr", nullptr},
        {"last_checkin_at", nullptr},
        {"issue_url", s.issue_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.issue_url)},
        {"pr_url", s.pr_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.pr_url)},
    };
    if (s.pr_number) {
        j["pr"] = *s.pr_number;
    }
    if (s.last_checkin_at) {
        j["last_checkin_at"] = util::format_utc(*s.last_checkin_at);
    }
    return j;
}

int run_status(const StatusOptions& options) {
    store::Database db(store::default_database_path());
    const auto states = store::ForgeStateStore(db).all();
    if (options.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : states) {
            out.push_back(to_json(s));
        }
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    if (states.empty()) {
        std::cerr << "forgebot: no tracked issues\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : states) {
        rows.push_back({
            s.owner + "/" + s.repo + "#" + std::to_string(s.issue_number),
            s.agent_name,
            s.slug,
            std::string(store::to_string(s.status)),
            s.pr_number ? "#" + std::to_string(*s.pr_number) : "-",
            s.last_checkin_at ? util::format_utc(*s.last_checkin_at) : "-",
            !s.pr_url.empty() ? s.pr_url : (!s.issue_url.empty() ? s.issue_url : "-"),
        });
    }
    std::cout << util::format_table(
        {"ISSUE", "AGENT", "SLUG", "STATUS", "PR", "LAST CHECK-IN", "URL"}, rows);
    return 0;
}

} // namespace

void add_orchestrate(CLI::App& parent, Outcome& outcome) {
    CLI::App* orchestrate =
        parent.add_subcommand("orchestrate", "Drive agents from forge issues and pull requests");
    configure_app(*orchestrate);
    orchestrate->require_subcommand(1);

    auto status_options = std::make_shared<StatusOptions>();
    CLI::App* status =
        orchestrate->add_subcommand("status", "List every tracked issue and the state of its run");
    configure_app(*status);
    status->add_flag("--json", status_options->json, "Print a JSON array instead of a table");
    status->callback(
        [&outcome, status_options] { outcome.exit_code = run_status(*status_options); });
}

} // namespace forgebot::cmd
