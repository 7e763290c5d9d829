// What the bottle commands share: the store, the forge lookup and the Sessions they drive.
#pragma once

#include "bottle/session.hpp"
#include "store/bottle_store.hpp"
#include "store/database.hpp"

#include <memory>
#include <string>

namespace forgebot::cmd {

/// The open database and a Sessions over it, writing to the process's real streams.
struct BottleContext {
    std::unique_ptr<store::Database> db; ///< null for a dry run (nothing is created)
    std::unique_ptr<store::BottleStore> store;
    std::unique_ptr<bottle::Sessions> sessions;
};

/// Opens FORGEBOT_HOME's database (creating it) unless `dry_run`, and a Sessions whose forges
/// come from the configuration file (`--forge NAME`, its token from the token_file).
BottleContext open_bottle_context(bool dry_run = false);

/// Parses a `--backend` value; throws Error{Errc::usage} for anything but process or bwrap.
bottle::BackendKind parse_backend_option(const std::string& text);

/// Parses a `--timeout` value (`30m`, `1h30m`, `90` seconds); throws Error{Errc::usage}.
std::chrono::seconds parse_timeout_option(const std::string& text);

} // namespace forgebot::cmd
