// Tests of the TCP HTTP server over real loopback connections, with a Boost.Beast client: what the
// handler sees, limits, keep-alive, stopping, and binding errors.
#include "util/error.hpp"
#include "util/http_server.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using forgebot::Errc;
using forgebot::Error;
using forgebot::util::HttpHandler;
using forgebot::util::HttpRequest;
using forgebot::util::HttpResponse;
using forgebot::util::parse_listen_address;
using forgebot::util::Responder;
using forgebot::util::ServerLimits;
using forgebot::util::TcpHttpServer;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto k_timeout = std::chrono::seconds(10);

/// A TcpHttpServer on 127.0.0.1 and a port the system picks, serving on its own thread until
/// destroyed. Every request is recorded and answered 200 with "seen METHOD TARGET".
class RunningServer {
public:
    explicit RunningServer(ServerLimits limits = {})
        : m_server(
              "127.0.0.1:0", [this](HttpRequest r, Responder respond) { answer(r, respond); },
              limits),
          m_done(std::async(std::launch::async, [this] { m_server.run(); })) {}

    ~RunningServer() {
        m_server.stop();
        m_done.wait();
    }

    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;

    std::uint16_t port() const { return m_server.port(); }

    /// Stops the server; true when run() returned within `timeout`.
    bool stop_within(std::chrono::milliseconds timeout) {
        m_server.stop();
        return m_done.wait_for(timeout) == std::future_status::ready;
    }

    std::vector<HttpRequest> requests() const {
        const std::lock_guard lock(m_mutex);
        return m_requests;
    }

private:
    void answer(const HttpRequest& request, const Responder& respond) {
        {
            const std::lock_guard lock(m_mutex);
            m_requests.push_back(request);
        }
        HttpResponse response;
        response.content_type = "text/plain";
        response.body = "seen " + request.method + " " + request.target;
        respond(std::move(response));
    }

    mutable std::mutex m_mutex;
    std::vector<HttpRequest> m_requests;
    TcpHttpServer m_server;
    std::future<void> m_done;
};

/// One client connection to 127.0.0.1; every wait is bounded by k_timeout.
class Client {
public:
    explicit Client(std::uint16_t port) : m_stream(m_io) {
        const auto ec = wait([&](auto done) {
            m_stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), done);
        });
        REQUIRE_FALSE(ec);
    }

    /// Sends `request` (Content-Length set here) and reads the answer. A failed write is
    /// ignored: a server may answer and close before reading a whole request.
    http::response<http::string_body> exchange(http::request<http::string_body> request) {
        request.prepare_payload();
        wait([&](auto done) { http::async_write(m_stream, request, done); });
        http::response<http::string_body> response;
        const auto ec =
            wait([&](auto done) { http::async_read(m_stream, m_buffer, response, done); });
        if (ec) {
            throw std::runtime_error("no answer: " + ec.message());
        }
        return response;
    }

    /// Whether the server has closed the connection (reading meets end of stream).
    bool closed_by_server() {
        http::response<http::string_body> response;
        const auto ec =
            wait([&](auto done) { http::async_read(m_stream, m_buffer, response, done); });
        return ec == http::error::end_of_stream || ec == net::error::connection_reset;
    }

private:
    /// Starts one operation with a completion handler and runs it to completion.
    template <class Start> beast::error_code wait(Start start) {
        beast::error_code result = net::error::would_block;
        m_stream.expires_after(k_timeout);
        start([&result](beast::error_code ec, auto...) { result = ec; });
        m_io.restart();
        m_io.run();
        return result;
    }

    net::io_context m_io;
    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
};

http::request<http::string_body> make_request(http::verb verb, const std::string& target,
                                              std::string body = {}) {
    http::request<http::string_body> request(verb, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = std::move(body);
    return request;
}

/// The Error constructing a server on `address` throws.
Error listen_error(const std::string& address) {
    try {
        TcpHttpServer server(address, [](HttpRequest, Responder respond) { respond({}); });
    } catch (const Error& e) {
        return e;
    }
    FAIL("listening on " << address << " did not throw");
    return Error(Errc::failure, "unreachable");
}

} // namespace

TEST_CASE("TcpHttpServer hands the handler the method, target, headers and exact body",
          "[util][http]") {
    RunningServer server;
    REQUIRE(server.port() != 0);
    Client client(server.port());
    const std::string body("{\"a\":1}\r\n\0\xff tail", 15);

    auto post = make_request(http::verb::post, "/hook?x=1", body);
    post.set("X-Gitea-Event", "push");
    post.set("X-Hub-Signature-256", "sha256=abc");
    post.set(http::field::content_type, "application/json");
    const auto response = client.exchange(post);

    CHECK(response.result_int() == 200);
    CHECK(response.body() == "seen POST /hook?x=1");
    CHECK(response[http::field::content_type] == "text/plain");
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    const HttpRequest& seen = requests[0];
    CHECK(seen.method == "POST");
    CHECK(seen.target == "/hook?x=1");
    CHECK(seen.body == body);
    CHECK(seen.header("x-gitea-event") == "push");
    CHECK(seen.header("X-GITEA-EVENT") == "push");
    CHECK(seen.header("x-hub-signature-256") == "sha256=abc");
    CHECK(seen.header("content-length") == std::to_string(body.size()));
    CHECK(seen.header("X-Gitea-Delivery").empty());
    const auto sent_name = std::find_if(seen.headers.begin(), seen.headers.end(),
                                        [](const auto& h) { return h.second == "push"; });
    REQUIRE(sent_name != seen.headers.end());
    CHECK(sent_name->first == "X-Gitea-Event");
}

TEST_CASE("TcpHttpServer answers two requests on one keep-alive connection", "[util][http]") {
    RunningServer server;
    Client client(server.port());

    const auto first = client.exchange(make_request(http::verb::get, "/health"));
    const auto second = client.exchange(make_request(http::verb::post, "/hook", "{}"));

    CHECK(first.result_int() == 200);
    CHECK(first.keep_alive());
    CHECK(first.body() == "seen GET /health");
    CHECK(second.result_int() == 200);
    CHECK(second.body() == "seen POST /hook");
    const auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].body.empty());
    CHECK(requests[1].body == "{}");
}

TEST_CASE("TcpHttpServer takes a body of max_body and answers 413 to a longer one",
          "[util][http]") {
    ServerLimits limits;
    limits.max_body = 1024;
    RunningServer server(limits);
    Client client(server.port());

    const auto fits = client.exchange(make_request(http::verb::post, "/a", std::string(1024, 'x')));
    const auto too_large =
        client.exchange(make_request(http::verb::post, "/b", std::string(64 * 1024, 'x')));

    CHECK(fits.result_int() == 200);
    CHECK(too_large.result_int() == 413);
    CHECK_FALSE(too_large.keep_alive());
    CHECK(client.closed_by_server());
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].body.size() == 1024);
}

TEST_CASE("TcpHttpServer stop() returns at once with an idle connection open", "[util][http]") {
    RunningServer server;
    Client client(server.port());
    REQUIRE(client.exchange(make_request(http::verb::get, "/health")).result_int() == 200);

    CHECK(server.stop_within(std::chrono::seconds(5)));
    CHECK(client.closed_by_server());
}

TEST_CASE("TcpHttpServer stop() returns when nobody ever connected", "[util][http]") {
    RunningServer server;
    CHECK(server.stop_within(std::chrono::seconds(5)));
}

TEST_CASE("TcpHttpServer refuses a port in use as unavailable, naming the address",
          "[util][http]") {
    RunningServer first;
    const std::string address = "127.0.0.1:" + std::to_string(first.port());

    const Error e = listen_error(address);

    CHECK(e.code() == Errc::unavailable);
    CHECK_THAT(e.what(), Catch::Contains(address));
    CHECK_THAT(e.what(), Catch::Contains("in use"));
}

TEST_CASE("TcpHttpServer refuses a malformed listen address as a usage error", "[util][http]") {
    for (const std::string address :
         {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80x", ":8765", "::1:8765",
          "[::1:8765", "[]:8765", "[not-v6]:8765"}) {
        INFO(address);
        const Error e = listen_error(address);
        CHECK(e.code() == Errc::usage);
        CHECK_THAT(e.what(), Catch::Contains("\"" + address + "\""));
    }
}

TEST_CASE("parse_listen_address takes IPv4, bracketed IPv6 and host names apart", "[util][http]") {
    CHECK(parse_listen_address("127.0.0.1:8765").host == "127.0.0.1");
    CHECK(parse_listen_address("127.0.0.1:8765").port == 8765);
    CHECK(parse_listen_address("[::1]:8765").host == "::1");
    CHECK(parse_listen_address("[::1]:0").port == 0);
    CHECK(parse_listen_address("localhost:65535").host == "localhost");
    CHECK(parse_listen_address("localhost:65535").port == 65535);
}

TEST_CASE("HttpServer::post runs work on the server's thread, where a kept responder answers",
          "[util][http]") {
    std::unique_ptr<TcpHttpServer> server;
    std::thread::id handler_thread;
    std::thread::id work_thread;
    server =
        std::make_unique<TcpHttpServer>("127.0.0.1:0", [&](HttpRequest request, Responder respond) {
            handler_thread = std::this_thread::get_id();
            server->post([&, target = request.target, respond = std::move(respond)] {
                work_thread = std::this_thread::get_id();
                HttpResponse response;
                response.content_type = "text/plain";
                response.body = "later " + target;
                respond(std::move(response));
            });
        });
    auto done = std::async(std::launch::async, [&] { server->run(); });
    Client client(server->port());

    const auto response = client.exchange(make_request(http::verb::get, "/x"));

    CHECK(response.result_int() == 200);
    CHECK(response.body() == "later /x");
    CHECK(work_thread == handler_thread);
    server->stop();
    CHECK(done.wait_for(k_timeout) == std::future_status::ready);
}
