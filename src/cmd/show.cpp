// `forgebot show`: one bottle's record.
#include "cmd/bottle_context.hpp"
#include "cmd/cli.hpp"
#include "cmd/registry.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace forgebot::cmd {

namespace {

struct ShowOptions {
    std::string identity;
    bool json = false;
};

std::string scalar_text(const nlohmann::json& value) {
    if (value.is_null()) {
        return "-";
    }
    if (value.is_string()) {
        return value.get<std::string>();
    }
    return value.dump();
}

int run_show(const ShowOptions& options) {
    auto context = open_bottle_context();
    const auto record = context.sessions->get(options.identity);
    const auto json = bottle::record_json(record);
    if (options.json) {
        std::cout << json.dump(2) << '\n';
        return 0;
    }
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() == "result" && it->is_object()) {
            for (auto r = it->begin(); r != it->end(); ++r) {
                std::cout << "result." << r.key() << ": " << scalar_text(*r) << '\n';
            }
            continue;
        }
        std::cout << it.key() << ": " << scalar_text(*it) << '\n';
    }
    return 0;
}

} // namespace

void add_show(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<ShowOptions>();
    CLI::App* app = parent.add_subcommand("show", "Show one bottle's record");
    configure_app(*app);
    app->add_option("identity", o->identity, "The bottle, e.g. claude-ab3de")->required();
    app->add_flag("--json", o->json, "Print the record as a JSON object");
    app->callback([&outcome, o] { outcome.exit_code = run_show(*o); });
}

} // namespace forgebot::cmd
