// Tests of human-typed durations ("30m", "1h30m", "90"), as agent manifests and --timeout take
// them.
#include "util/duration.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using forgebot::util::format_duration;
using forgebot::util::parse_duration;

TEST_CASE("parse_duration reads units, combinations and plain seconds", "[util]") {
    CHECK(parse_duration("90s") == 90s);
    CHECK(parse_duration("30m") == 30min);
    CHECK(parse_duration("2h") == 2h);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("1h30m15s") == 1h + 30min + 15s);
    CHECK(parse_duration("45m10s") == 45min + 10s);
    CHECK(parse_duration("90") == 90s);
    CHECK(parse_duration("0") == 0s);
    CHECK(parse_duration("120m") == 2h);
}

TEST_CASE("parse_duration refuses text that is not a duration", "[util]") {
    for (const char* text : {"", "soon", "1d", "1.5h", "-5", "+5", " 5", "5 ", "m", "1h 30m",
                             "30m1h", "1h1h", "1h30", "h30m", "99999999999999999999", "1000000h"}) {
        INFO(text);
        CHECK_FALSE(parse_duration(text).has_value());
    }
}

TEST_CASE("format_duration writes the shortest form parse_duration reads back", "[util]") {
    CHECK(format_duration(0s) == "0s");
    CHECK(format_duration(45s) == "45s");
    CHECK(format_duration(90min) == "1h30m");
    CHECK(format_duration(2h) == "2h");
    CHECK(format_duration(1h + 15s) == "1h15s");
    CHECK(format_duration(-5s) == "0s");
    for (auto d : {1s, 59s, 61s, 3599s, 3600s, 86400s + 1s}) {
        CHECK(parse_duration(format_duration(d)) == d);
    }
}
