// Backoff growth, its cap and jitter, and Retry-After parsing.
#include "forge/retry.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using forgebot::forge::backoff_delay;
using forgebot::forge::parse_http_date;
using forgebot::forge::parse_retry_after;
using forgebot::forge::RetryPolicy;

TEST_CASE("backoff_delay doubles per retry and stops at max_delay", "[forge]") {
    const RetryPolicy policy{4, 500ms, 3s};
    CHECK(backoff_delay(policy, 1, 0.0) == 500ms);
    CHECK(backoff_delay(policy, 2, 0.0) == 1000ms);
    CHECK(backoff_delay(policy, 3, 0.0) == 2000ms);
    CHECK(backoff_delay(policy, 4, 0.0) == 3000ms);
    CHECK(backoff_delay(policy, 60, 1.0) == 3000ms);
}

TEST_CASE("backoff_delay adds at most a quarter of jitter", "[forge]") {
    const RetryPolicy policy{4, 400ms, 30s};
    CHECK(backoff_delay(policy, 1, 1.0) == 500ms);
    CHECK(backoff_delay(policy, 1, 0.5) == 450ms);
    CHECK(backoff_delay(policy, 2, 2.0) == 1000ms);
}

TEST_CASE("parse_retry_after reads delta-seconds and HTTP-dates", "[forge]") {
    const auto now = std::chrono::sys_days{std::chrono::November / 6 / 1994} + 8h + 49min + 30s;
    CHECK(parse_retry_after("120", now) == 120s);
    CHECK(parse_retry_after(" 0 ", now) == 0s);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 7s);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == 0s);
    CHECK_FALSE(parse_retry_after("soon", now).has_value());
    CHECK_FALSE(parse_retry_after("-5", now).has_value());
    CHECK_FALSE(parse_retry_after("", now).has_value());
}

TEST_CASE("parse_http_date accepts IMF-fixdate only", "[forge]") {
    const auto parsed = parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT");
    REQUIRE(parsed.has_value());
    CHECK(*parsed == std::chrono::sys_days{std::chrono::October / 21 / 2015} + 7h + 28min);
    CHECK_FALSE(parse_http_date("Wed, 32 Oct 2015 07:28:00 GMT").has_value());
    CHECK_FALSE(parse_http_date("Wednesday, 21-Oct-15 07:28:00 GMT").has_value());
    CHECK_FALSE(parse_http_date("Wed, 21 Foo 2015 07:28:00 GMT").has_value());
}
