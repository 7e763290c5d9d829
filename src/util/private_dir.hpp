// Creating directories that only their owner can enter.
#pragma once

#include <filesystem>

namespace forgebot::util {

/// Creates `dir` and its missing parents with mode 0700 (existing ones are left as they are).
/// Throws Error{Errc::io} naming the directory when it cannot be created or is not a directory.
void ensure_private_dir(const std::filesystem::path& dir);

} // namespace forgebot::util
