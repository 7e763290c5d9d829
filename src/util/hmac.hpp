// HMAC-SHA256 as lowercase hex, and comparing secrets without leaking where they differ.
#pragma once

#include <string>
#include <string_view>

namespace forgebot::util {

/// The HMAC-SHA256 of `data` under `key`, as 64 lowercase hex digits (RFC 2104 over OpenSSL).
/// An empty key is allowed. Throws forgebot::Error (invalid_input) for a key over 2 GiB and
/// (failure) if OpenSSL fails.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// Whether `a` and `b` hold the same bytes, in time that depends on their lengths only, never on
/// where they differ. Different lengths give false without comparing any content.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

} // namespace forgebot::util
