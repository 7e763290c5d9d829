// HTTP status classification and the forge's own error text.
#include "forge/forge_error.hpp"

#include <catch2/catch.hpp>

using forgebot::Errc;
using forgebot::forge::errc_for_status;
using forgebot::forge::forge_message_from_body;
using forgebot::forge::one_line;

TEST_CASE("errc_for_status maps HTTP statuses to error codes", "[forge]") {
    CHECK(errc_for_status(401, false) == Errc::unauthorized);
    CHECK(errc_for_status(403, false) == Errc::forbidden);
    CHECK(errc_for_status(403, true) == Errc::rate_limited);
    CHECK(errc_for_status(404, false) == Errc::not_found);
    CHECK(errc_for_status(429, false) == Errc::rate_limited);
    CHECK(errc_for_status(500, false) == Errc::server_error);
    CHECK(errc_for_status(503, false) == Errc::server_error);
    CHECK(errc_for_status(422, false) == Errc::failure);
    CHECK(errc_for_status(301, false) == Errc::failure);
}

TEST_CASE("forge_message_from_body keeps the forge's message on one short line", "[forge]") {
    CHECK(forge_message_from_body(R"({"message":"issue does not exist","url":"x"})") ==
          "issue does not exist");
    CHECK(
        forge_message_from_body(
            R"({"message":"Validation Failed","errors":[{"message":"A pull request already exists"}]})") ==
        "Validation Failed; A pull request already exists");
    CHECK(forge_message_from_body("upstream\nconnect error\r\n") == "upstream connect error");
    CHECK(forge_message_from_body("<!DOCTYPE html><html></html>").empty());
    CHECK(forge_message_from_body("").empty());
    const std::string long_body = R"({"message":")" + std::string(1000, 'x') + R"("})";
    CHECK(forge_message_from_body(long_body).size() == 300);
}

TEST_CASE("one_line cuts on a UTF-8 boundary", "[forge]") {
    CHECK(one_line("  a \n\t b  ", 100) == "a b");
    const std::string text = "ab\xC3\xA9\xC3\xA9\xC3\xA9";
    const std::string cut = one_line(text, 7);
    CHECK(cut == "ab\xC3\xA9...");
}
