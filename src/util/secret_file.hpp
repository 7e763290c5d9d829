// Reading a secret (a token, a webhook secret) from a file only its owner can read.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace forgebot::util {

/// Reads a secret from the open descriptor `fd` to end of file (leaving it open) and trims one
/// trailing newline (`\n` or `\r\n`). `what` names the source in messages ("token descriptor
/// 3"). Throws Error{Errc::io} when reading fails and Error{Errc::invalid_input} when the secret
/// is larger than 64 KiB or empty after trimming. No message ever contains the secret.
std::string read_secret_fd(int fd, std::string_view what);

/// Reads the secret in `file` and trims one trailing newline (`\n` or `\r\n`). `what` names the
/// file in messages ("token file"). Symlinks are followed; the file reached must be a regular
/// file of at most 64 KiB that neither group nor others can access (mode & 077 == 0).
///
/// Throws Error{Errc::not_found} when the file does not exist, Error{Errc::io} when it cannot be
/// opened or read, and Error{Errc::invalid_input} when it is not a regular file, is too large,
/// is empty after trimming, or is group/other accessible (the message names the mode and says
/// `chmod 600 FILE`). No message ever contains the file's content.
std::string read_secret_file(const std::filesystem::path& file, std::string_view what);

} // namespace forgebot::util
