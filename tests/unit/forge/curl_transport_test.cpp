// The libcurl transport on its own: plain exchanges, header handling, Unix-socket routing.
#include "fakes/fake_forge.hpp"
#include "forge/curl_transport.hpp"
#include "forge/forge_error.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using forgebot::Errc;
using forgebot::forge::CurlTransport;
using forgebot::forge::ForgeError;
using forgebot::testing::FakeForge;
using forgebot::testing::FakeForgeFlavor;

TEST_CASE("CurlTransport returns any status with lowercased headers and the body", "[forge]") {
    FakeForge fake(FakeForgeFlavor::github);
    CurlTransport transport(2s, 5s);

    const auto response =
        transport.send({"GET", fake.base_url() + "/repos/o/r/issues/1", {{"X-Test", "1"}}, ""});

    CHECK(response.status == 404);
    CHECK(response.header("content-type").has_value());
    CHECK(response.header("server") == "forgebot-fake-forge");
    CHECK_THAT(response.body, Catch::Contains("issue does not exist"));
    REQUIRE(fake.requests().size() == 1);
    CHECK(fake.requests()[0].headers.at("x-test") == "1");
    CHECK(fake.requests()[0].headers.count("expect") == 0);
}

TEST_CASE("CurlTransport sends a body with the method it is given", "[forge]") {
    FakeForge fake(FakeForgeFlavor::github);
    fake.put_issue({.number = 1, .title = "x"});
    CurlTransport transport(2s, 5s);

    const auto response = transport.send({"PATCH",
                                          fake.base_url() + "/repos/o/r/issues/1",
                                          {{"Content-Type", "application/json"}},
                                          R"({"body":"patched"})"});

    CHECK(response.status == 200);
    CHECK(fake.issue(1)->body == "patched");
    CHECK(fake.requests()[0].method == "PATCH");
}

TEST_CASE("CurlTransport connects through a Unix socket when given one", "[forge]") {
    CurlTransport transport(2s, 5s, "/nonexistent/forgebot-test.sock");

    try {
        transport.send({"POST", "http://sidecar/rpc", {}, "{}"});
        FAIL("send succeeded without a socket");
    } catch (const ForgeError& e) {
        CHECK(e.code() == Errc::unavailable);
        // Not "cannot resolve host": the host name in the URL is never looked up.
        CHECK_THAT(e.what(), Catch::StartsWith("cannot connect"));
    }
}
