// Where forgebot keeps its state: FORGEBOT_HOME and the default database inside it.
#pragma once

#include "util/private_dir.hpp"

#include <filesystem>

namespace forgebot::store {

/// The state directory: $FORGEBOT_HOME, else $XDG_STATE_HOME/forgebot, else
/// ~/.local/state/forgebot. Does not create it. Throws Error{Errc::io} when neither
/// FORGEBOT_HOME, XDG_STATE_HOME nor HOME is set.
std::filesystem::path home_dir();

/// util::ensure_private_dir, named here too for the callers that make directories under the home.
using util::ensure_private_dir;

/// `home_dir() / "forgebot.db"`.
std::filesystem::path default_database_path();

} // namespace forgebot::store
