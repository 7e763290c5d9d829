// Reading the forge token from where the sidecar accepts it: an inherited descriptor, a private
// file, or the environment; never from an argument.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace forgebot::sidecar {

/// Reads the token from descriptor `fd` to end of file, closes it, and trims one trailing
/// newline. Throws Error{Errc::usage} when the descriptor cannot be read or yields nothing or
/// several lines.
std::string read_token_fd(int fd);

/// Reads the token from `file` with util::read_secret_file: a regular file that only its owner
/// can access (mode 0600 or stricter) holding one line. Throws Error{Errc::usage} naming the
/// file (and its mode, with the chmod to run) otherwise.
std::string read_token_file(const std::filesystem::path& file);

/// Reads `FORGE_TOKEN` and removes it from this process's environment so children do not
/// inherit it. std::nullopt when unset or empty.
std::optional<std::string> take_token_env();

} // namespace forgebot::sidecar
