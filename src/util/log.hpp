// Leveled diagnostics on stderr, one line each: `forgebot: LEVEL: message`.
#pragma once

#include <optional>
#include <string_view>

namespace forgebot::util {

/// Severity, most severe first.
enum class LogLevel { error, warn, info, debug };

/// Parses `error`, `warn`, `info` or `debug`; std::nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

/// Sets the most verbose level written (default: warn). Call once at start-up, before threads.
void set_log_level(LogLevel level) noexcept;

/// Whether messages of `level` are written.
bool log_enabled(LogLevel level) noexcept;

/// Writes `forgebot: LEVEL: message` to stderr when `level` is enabled. Thread-safe: each line is
/// written whole. Never pass a secret.
void log(LogLevel level, std::string_view message);

} // namespace forgebot::util
