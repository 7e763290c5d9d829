// Tests of argv template placeholders: found, expanded in place, never expanded twice.
#include "agent/placeholder.hpp"

#include <catch2/catch.hpp>

using forgebot::agent::expand_placeholders;
using forgebot::agent::placeholders_in;
using forgebot::agent::PlaceholderValues;

TEST_CASE("placeholders_in finds {word}s and ignores other braces", "[agent]") {
    CHECK(placeholders_in("--x={prompt}{oops}") == std::vector<std::string>{"prompt", "oops"});
    CHECK(placeholders_in("{}").empty());
    CHECK(placeholders_in("{Prompt} {a b} {").empty());
    CHECK(placeholders_in("{{session}}") == std::vector<std::string>{"session"});
}

TEST_CASE("expand_placeholders replaces inside an argument, in one pass", "[agent]") {
    const PlaceholderValues values{"fix {session} in $HOME; rm -rf /", "s-1", "/w"};
    CHECK(expand_placeholders("--prompt={prompt}", values) ==
          "--prompt=fix {session} in $HOME; rm -rf /");
    CHECK(expand_placeholders("{workspace}/{session}.log", values) == "/w/s-1.log");
    CHECK(expand_placeholders("{other} {} {prompt", values) == "{other} {} {prompt");
}
