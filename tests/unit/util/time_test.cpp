// Tests of RFC 3339 UTC formatting and parsing, the form the store keeps times in.
#include "util/time.hpp"

#include <catch2/catch.hpp>

using forgebot::util::format_utc;
using forgebot::util::parse_utc;

namespace {

/// 2026-11-21T09:30:05Z.
std::chrono::sys_seconds sample_time() {
    using namespace std::chrono;
    return sys_days{year{2026} / 11 / 21} + hours{9} + minutes{30} + seconds{5};
}

} // namespace

TEST_CASE("format_utc writes RFC 3339 UTC and parse_utc reads it back", "[util][store]") {
    CHECK(format_utc(sample_time()) == "2026-11-21T09:30:05Z");
    CHECK(parse_utc("2026-11-21T09:30:05Z") == sample_time());
    CHECK(format_utc(std::chrono::sys_seconds{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("parse_utc accepts an explicit UTC offset and fractional seconds", "[util][store]") {
    CHECK(parse_utc("2026-11-21T09:30:05+00:00") == sample_time());
    CHECK(parse_utc("2026-11-21T09:30:05.123Z") == sample_time());
}

TEST_CASE("parse_utc refuses anything that is not a UTC timestamp", "[util][store]") {
    CHECK_FALSE(parse_utc(""));
    CHECK_FALSE(parse_utc("yesterday"));
    CHECK_FALSE(parse_utc("2026-11-21"));
    CHECK_FALSE(parse_utc("2026-11-21T09:30:05+02:00"));
    CHECK_FALSE(parse_utc("2026-02-30T09:30:05Z"));
    CHECK_FALSE(parse_utc("2026-11-21T25:30:05Z"));
}
