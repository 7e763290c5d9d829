// Durations written the way people type them: "90s", "30m", "1h30m", or a plain number of seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace forgebot::util {

/// Parses a duration: a plain count of seconds (`"90"`), or one or more `NUMBERUNIT` parts with
/// units `h`, `m` and `s` in that order, each at most once (`"2h"`, `"1h30m"`, `"45m10s"`).
/// std::nullopt for anything else: empty text, spaces, signs, fractions, other units, units out
/// of order, or a total beyond about 100 years.
std::optional<std::chrono::seconds> parse_duration(std::string_view text) noexcept;

/// The shortest form parse_duration reads back: `"1h30m"`, `"45s"`, `"2h"`; `"0s"` for zero.
/// Negative durations are formatted as zero.
std::string format_duration(std::chrono::seconds duration);

} // namespace forgebot::util
