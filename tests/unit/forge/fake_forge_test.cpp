// The fake forge server itself: robust against garbage, usable by several clients at once.
#include "fakes/fake_forge.hpp"
#include "forge_fixture.hpp"

#include <boost/asio.hpp>
#include <catch2/catch.hpp>

using forgebot::forge::ForgeKind;
using forgebot::testing::ForgeUnderTest;

namespace {

/// Sends raw bytes to the fake and returns everything it answers before closing.
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::asio::write(socket, boost::asio::buffer(bytes));
    std::string answer;
    boost::system::error_code ec;
    std::array<char, 4096> chunk{};
    while (!ec) {
        const auto n = socket.read_some(boost::asio::buffer(chunk), ec);
        answer.append(chunk.data(), n);
    }
    return answer;
}

} // namespace

TEST_CASE("FakeForge answers a malformed request with 400 and keeps serving", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "still here"});

    const auto answer = raw_exchange(t.fake.port(), "NOT HTTP AT ALL\r\n\r\n");

    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 400"));
    CHECK(t.client()->read_issue(5).title == "still here");
}

TEST_CASE("FakeForge rejects invalid JSON in a write with 400", "[forge]") {
    ForgeUnderTest t(ForgeKind::github);
    t.fake.put_issue({.number = 5, .title = "x"});

    const std::string body = "{not json";
    const auto answer =
        raw_exchange(t.fake.port(), "POST /repos/o/r/issues/5/comments HTTP/1.1\r\nHost: x\r\n"
                                    "Authorization: Bearer " +
                                        std::string(forgebot::testing::k_test_token) +
                                        "\r\nConnection: close\r\nContent-Length: " +
                                        std::to_string(body.size()) + "\r\n\r\n" + body);

    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 400"));
    CHECK(t.fake.comments(5).empty());
    REQUIRE(t.fake.requests().size() == 1);
    CHECK(t.fake.requests()[0].body == body);
}

TEST_CASE("FakeForge serves a client while another holds an idle connection", "[forge]") {
    ForgeUnderTest t(ForgeKind::gitea);
    t.fake.put_issue({.number = 5, .title = "x"});
    const auto first = t.client();
    const auto second = t.client();

    CHECK(first->read_issue(5).title == "x");
    CHECK(second->read_issue(5).title == "x");
    CHECK(first->read_issue(5).title == "x");
    CHECK(t.fake.count("GET", "/repos/o/r/issues/5") == 3);
}
