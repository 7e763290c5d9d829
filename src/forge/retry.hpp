// When to try a forge request again: the retry policy, backoff with jitter, and Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace forgebot::forge {

/// How idempotent requests (GETs) are retried on 429/502/503/504 and transport failures.
struct RetryPolicy {
    int max_attempts = 4; ///< attempts in all, the first included; values below 1 mean 1
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{std::chrono::seconds{30}}; ///< longest single wait
};

/// The wait before retry number `retry` (1 before the second attempt): base_delay doubled per
/// retry, plus up to a quarter more of jitter (`jitter` in [0, 1] picks how much), never above
/// max_delay.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double jitter);

/// Parses an HTTP-date in the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`); std::nullopt
/// for anything else.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text);

/// The wait a Retry-After header value asks for: delta-seconds, or an HTTP-date measured from
/// `now` (a date in the past means 0); std::nullopt when the value is unreadable.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::sys_seconds now);

} // namespace forgebot::forge
