// The HTTP helpers the forge clients share: Link headers and URL escaping.
#include "forge/rest_client.hpp"

#include <catch2/catch.hpp>

using forgebot::forge::link_next;
using forgebot::forge::url_escape;

TEST_CASE("link_next finds the next entry of a Link header", "[forge]") {
    CHECK(link_next(R"(<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last")") ==
          "https://a/x?page=2");
    CHECK(link_next(R"(<https://a/x?page=1>; rel="first", <https://a/x?page=3>; rel=next)") ==
          "https://a/x?page=3");
    CHECK(link_next(R"(<https://a/x?page=4>; rel="next last")") == "https://a/x?page=4");
    CHECK_FALSE(link_next(R"(<https://a/x?page=1>; rel="prev")").has_value());
    CHECK_FALSE(link_next("garbage").has_value());
}

TEST_CASE("url_escape leaves unreserved characters alone", "[forge]") {
    CHECK(url_escape("my-org_1.x~") == "my-org_1.x~");
    CHECK(url_escape("a b/c?d#e") == "a%20b%2Fc%3Fd%23e");
    CHECK(url_escape("kind: bug") == "kind%3A%20bug");
}
