// Backoff arithmetic and Retry-After parsing.
#include "forge/retry.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace forgebot::forge {

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double jitter) {
    using std::chrono::milliseconds;
    const std::int64_t cap = std::max<std::int64_t>(policy.max_delay.count(), 0);
    std::int64_t delay = std::max<std::int64_t>(policy.base_delay.count(), 0);
    for (int i = 1; i < retry && delay < cap; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, cap);
    const double spread = std::clamp(jitter, 0.0, 1.0) * static_cast<double>(delay) / 4.0;
    delay = std::min(delay + static_cast<std::int64_t>(spread), cap);
    return milliseconds{delay};
}

namespace {

bool parse_digits(std::string_view text, int& out) noexcept {
    if (text.empty() || text.size() > 9) {
        return false;
    }
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

} // namespace

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 characters.
    if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' ||
        text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':' ||
        text.substr(25) != " GMT") {
        return std::nullopt;
    }
    static constexpr std::array<std::string_view, 12> k_months{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto month_it = std::find(k_months.begin(), k_months.end(), text.substr(8, 3));
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    if (month_it == k_months.end() || !parse_digits(text.substr(5, 2), day) ||
        !parse_digits(text.substr(12, 4), year) || !parse_digits(text.substr(17, 2), hour) ||
        !parse_digits(text.substr(20, 2), minute) || !parse_digits(text.substr(23, 2), second)) {
        return std::nullopt;
    }
    using namespace std::chrono;
    const auto month_index = static_cast<unsigned>(month_it - k_months.begin()) + 1U;
    const year_month_day date{std::chrono::year{year}, std::chrono::month{month_index},
                              std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    return sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::sys_seconds now) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos) {
        // Rationale: absurdly long delta-seconds saturate instead of overflowing.
        if (value.size() > 9) {
            return std::chrono::seconds{999'999'999};
        }
        int seconds = 0;
        parse_digits(value, seconds);
        return std::chrono::seconds{seconds};
    }
    if (const auto date = parse_http_date(value)) {
        return std::max(*date - now, std::chrono::seconds{0});
    }
    return std::nullopt;
}

} // namespace forgebot::forge
