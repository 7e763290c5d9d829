// `forgebot list`: every bottle with its agent, state, backend and branch.
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "util/table.hpp"
#include "util/time.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace forgebot::cmd {

namespace {

struct ListOptions {
    bool json = false;
    bool quiet = false;
};

int run_list(const ListOptions& options) {
    auto context = open_bottle_context();
    const auto records = context.store->all();
    if (options.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& record : records) {
            out.push_back(bottle::record_json(record));
        }
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    if (options.quiet) {
        for (const auto& record : records) {
            std::cout << record.identity << '\n';
        }
        return 0;
    }
    if (records.empty()) {
        std::cerr << "forgebot: no bottles; make one with forgebot start AGENT\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& record : records) {
        std::string state = record.status;
        if (record.status == bottle::status::running && !bottle::is_running(record)) {
            state += " (gone)";
        }
        std::string issue = "-";
        if (record.issue) {
            issue = record.issue->owner + "/" + record.issue->repo + "#" +
                    std::to_string(record.issue->issue_number);
        }
        rows.push_back({record.identity, record.agent, state, record.backend,
                        record.branch.empty() ? "-" : record.branch, issue,
                        util::format_utc(record.created_at)});
    }
    std::cout << util::format_table(
        {"IDENTITY", "AGENT", "STATUS", "BACKEND", "BRANCH", "ISSUE", "CREATED"}, rows);
    return 0;
}

} // namespace

void add_list(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<ListOptions>();
    CLI::App* app = parent.add_subcommand("list", "List bottles, newest first");
    configure_app(*app);
    app->add_flag("--json", o->json, "Print a JSON array of records");
    app->add_flag("-q,--quiet", o->quiet, "Print identities only");
    app->callback([&outcome, o] { outcome.exit_code = run_list(*o); });
}

} // namespace forgebot::cmd
