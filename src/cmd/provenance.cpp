// `forgebot provenance`: a run's record, kept locally and never posted to the forge.
#include "orchestrator/provenance.hpp"

#include "cmd/cli.hpp"
#include "cmd/registry.hpp"
#include "store/database.hpp"
#include "store/home.hpp"
#include "util/error.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace forgebot::cmd {

namespace {

struct ProvenanceOptions {
    std::string slug;
    bool json = false;
};

std::string text_of(const nlohmann::json& value) {
    if (value.is_null()) {
        return "-";
    }
    return value.is_string() ? value.get<std::string>() : value.dump();
}

int run_provenance(const ProvenanceOptions& options) {
    store::Database db(store::default_database_path());
    const auto record = orchestrator::provenance(db, options.slug);
    if (!record) {
        throw Error(Errc::not_found,
                    "no run " + options.slug + "; forgebot orchestrate status lists them");
    }
    if (options.json) {
        std::cout << record->dump(2) << '\n';
        return 0;
    }
    for (auto it = record->begin(); it != record->end(); ++it) {
        if (it.key() == "operations" || it.key() == "result") {
            continue;
        }
        if (it.key() == "forge" && it->is_object()) {
            std::cout << "forge: " << text_of((*it)["name"]) << " " << text_of((*it)["owner"])
                      << "/" << text_of((*it)["repo"]) << "#" << text_of((*it)["issue"]) << " (PR "
                      << text_of((*it)["pr"]) << ")\n";
            continue;
        }
        std::cout << it.key() << ": " << text_of(*it) << '\n';
    }
    std::cout << "operations:\n";
    for (const auto& op : (*record)["operations"]) {
        std::cout << "  " << text_of(op["at"]) << "  " << text_of(op["operation"]) << " "
                  << text_of(op["target"]) << "  " << text_of(op["outcome"]) << "  "
                  << text_of(op["detail"]) << '\n';
    }
    return 0;
}

} // namespace

void add_provenance(CLI::App& parent, Outcome& outcome) {
    auto o = std::make_shared<ProvenanceOptions>();
    CLI::App* app =
        parent.add_subcommand("provenance", "Show a run's record and its sidecar operations");
    configure_app(*app);
    app->add_option("slug", o->slug, "The run, e.g. claude-ab3de")->required();
    app->add_flag("--json", o->json, "Print the record as a JSON object");
    app->callback([&outcome, o] { outcome.exit_code = run_provenance(*o); });
}

} // namespace forgebot::cmd
