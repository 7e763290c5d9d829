// Opening the store and resolving configured forges for the bottle commands.
#include "cmd/bottle_context.hpp"

#include "orchestrator/config.hpp"
#include "orchestrator/labels.hpp"
#include "store/home.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

#include <iostream>

namespace forgebot::cmd {

BottleContext open_bottle_context(bool dry_run) {
    BottleContext context;
    if (!dry_run) {
        context.db = std::make_unique<store::Database>(store::default_database_path());
        context.store = std::make_unique<store::BottleStore>(*context.db);
    }
    auto resolve = [](const std::string& name) {
        return orchestrator::forge_connection(orchestrator::load_config(), name);
    };
    context.sessions =
        std::make_unique<bottle::Sessions>(context.store.get(), store::home_dir(), resolve,
                                           bottle::Console{std::cout, std::cerr, std::cin});
    return context;
}

bottle::BackendKind parse_backend_option(const std::string& text) {
    if (auto kind = bottle::parse_backend(text)) {
        return *kind;
    }
    throw Error(Errc::usage, "unknown backend '" + text + "'; use process or bwrap");
}

std::chrono::seconds parse_timeout_option(const std::string& text) {
    if (auto duration = util::parse_duration(text); duration && duration->count() > 0) {
        return *duration;
    }
    throw Error(Errc::usage, "--timeout: expected a duration like 30m or 90s, got '" + text + "'");
}

} // namespace forgebot::cmd
