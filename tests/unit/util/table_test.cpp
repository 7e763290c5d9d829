// Aligned plain-text tables.
#include "util/table.hpp"

#include <catch2/catch.hpp>

TEST_CASE("format_table aligns columns and trims trailing space", "[util]") {
    const auto out =
        forgebot::util::format_table({"A", "LONG HEADER", "C"}, {{"wide cell", "x", ""}, {"y"}});
    CHECK(out == "A          LONG HEADER  C\n"
                 "wide cell  x\n"
                 "y\n");
}
