// The XDG base directory for user configuration.
#pragma once

#include <filesystem>

namespace forgebot::util {

/// `$XDG_CONFIG_HOME`, else `$HOME/.config` (an empty variable counts as unset). Does not create
/// it. Throws Error{Errc::io} when neither XDG_CONFIG_HOME nor HOME is set.
std::filesystem::path config_home();

} // namespace forgebot::util
