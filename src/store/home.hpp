// Where forgebot keeps its state: FORGEBOT_HOME and the default database inside it.
#pragma once

#include <filesystem>

namespace forgebot::store {

/// The state directory: $FORGEBOT_HOME, else $XDG_STATE_HOME/forgebot, else
/// ~/.local/state/forgebot. Does not create it. Throws Error{Errc::io} when neither
/// FORGEBOT_HOME, XDG_STATE_HOME nor HOME is set.
std::filesystem::path home_dir();

/// Creates `dir` and its missing parents with mode 0700 (existing ones are left as they are).
/// Throws Error{Errc::io} naming the directory when it cannot be created or is not a directory.
void ensure_private_dir(const std::filesystem::path& dir);

/// `home_dir() / "forgebot.db"`.
std::filesystem::path default_database_path();

} // namespace forgebot::store
