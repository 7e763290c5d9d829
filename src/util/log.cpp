// Leveled stderr logging.
#include "util/log.hpp"

#include <atomic>
#include <string>
#include <unistd.h>

namespace forgebot::util {

namespace {

// Rationale: the one process-wide setting, chosen at start-up; atomic so reads are race-free.
std::atomic<LogLevel> g_level{LogLevel::warn};

std::string_view name(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::error:
        return "error";
    case LogLevel::warn:
        return "warning";
    case LogLevel::info:
        return "info";
    case LogLevel::debug:
        return "debug";
    }
    return "info";
}

} // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
    if (text == "error") {
        return LogLevel::error;
    }
    if (text == "warn" || text == "warning") {
        return LogLevel::warn;
    }
    if (text == "info") {
        return LogLevel::info;
    }
    if (text == "debug") {
        return LogLevel::debug;
    }
    return std::nullopt;
}

void set_log_level(LogLevel level) noexcept {
    g_level.store(level);
}

bool log_enabled(LogLevel level) noexcept {
    return level <= g_level.load();
}

void log(LogLevel level, std::string_view message) {
    if (!log_enabled(level)) {
        return;
    }
    std::string line = "forgebot: ";
    line += name(level);
    line += ": ";
    line += message;
    line += '\n';
    // One write() keeps concurrent lines whole.
    [[maybe_unused]] const auto n = ::write(2, line.data(), line.size());
}

} // namespace forgebot::util
