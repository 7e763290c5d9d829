// Typo suggestions.
#include "util/suggest.hpp"

#include <catch2/catch.hpp>

using forgebot::util::closest;
using forgebot::util::edit_distance;

TEST_CASE("edit_distance counts insertions, deletions, substitutions and transpositions",
          "[util]") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("abc", "") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("orchestarte", "orchestrate") == 1);
    CHECK(edit_distance("hlep", "help") == 1);
}

TEST_CASE("closest suggests a near command and nothing for a far one", "[util]") {
    const std::vector<std::string> commands{"orchestrate", "help", "start", "status"};
    CHECK(closest("orchestarte", commands) == "orchestrate");
    CHECK(closest("hlep", commands) == "help");
    CHECK(closest("stat", commands) == "start");
    CHECK_FALSE(closest("zzzzzzzz", commands).has_value());
}

TEST_CASE("closest falls back to a unique prefix", "[util]") {
    const std::vector<std::string> commands{"orchestrate", "provenance"};
    CHECK(closest("orch", commands) == "orchestrate");
    CHECK_FALSE(closest("x", {"xa", "xb"}).has_value());
}
