// Parsing and formatting of human-typed durations.
#include "util/duration.hpp"

#include <array>
#include <cstdint>

namespace forgebot::util {

namespace {

/// Rationale: a cap well above any sensible timeout keeps the arithmetic far from overflow.
constexpr std::int64_t k_max_seconds = std::int64_t{100} * 366 * 24 * 3600;

struct Unit {
    char suffix;
    std::int64_t seconds;
};

constexpr std::array<Unit, 3> k_units{{{'h', 3600}, {'m', 60}, {'s', 1}}};

} // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) noexcept {
    if (text.empty()) {
        return std::nullopt;
    }
    std::int64_t total = 0;
    std::size_t next_unit = 0; // units must appear in k_units order, each at most once
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::int64_t number = 0;
        const std::size_t digits_start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            number = number * 10 + (text[pos] - '0');
            if (number > k_max_seconds) {
                return std::nullopt;
            }
            ++pos;
        }
        if (pos == digits_start) {
            return std::nullopt;
        }
        if (pos == text.size()) {
            // A bare number is seconds, but only as the whole text ("90", not "1h30").
            if (digits_start != 0) {
                return std::nullopt;
            }
            total = number;
            break;
        }
        const char suffix = text[pos++];
        std::size_t unit = next_unit;
        while (unit < k_units.size() && k_units[unit].suffix != suffix) {
            ++unit;
        }
        if (unit == k_units.size()) {
            return std::nullopt;
        }
        next_unit = unit + 1;
        total += number * k_units[unit].seconds;
        if (total > k_max_seconds) {
            return std::nullopt;
        }
    }
    return std::chrono::seconds{total};
}

std::string format_duration(std::chrono::seconds duration) {
    std::int64_t left = duration.count() > 0 ? static_cast<std::int64_t>(duration.count()) : 0;
    if (left == 0) {
        return "0s";
    }
    std::string out;
    for (const Unit& unit : k_units) {
        if (left >= unit.seconds) {
            out += std::to_string(left / unit.seconds);
            out += unit.suffix;
            left %= unit.seconds;
        }
    }
    return out;
}

} // namespace forgebot::util
