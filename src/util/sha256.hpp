// SHA-256 digests as lowercase hex, over OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace forgebot::util {

/// The SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

/// A byte count for people: `512 B`, `1.2 KB`, `3.4 MB` (powers of 1024).
std::string human_size(std::size_t bytes);

} // namespace forgebot::util
