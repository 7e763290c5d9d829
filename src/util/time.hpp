// UTC timestamps as RFC 3339 text (`2026-11-21T09:30:00Z`), the form stored and printed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace forgebot::util {

/// The current time, to the second.
std::chrono::sys_seconds now_seconds();

/// `YYYY-MM-DDTHH:MM:SSZ`.
std::string format_utc(std::chrono::sys_seconds t);

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (a `+00:00` suffix or fractional seconds are accepted too);
/// std::nullopt for anything else.
std::optional<std::chrono::sys_seconds> parse_utc(std::string_view text);

} // namespace forgebot::util
