// The sidecar's HTTP surface through the real binary: health, status codes, size limits,
// keep-alive, pipelining, many clients at once and clients that stall.
#include "integration/sidecar_fixture.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <latch>
#include <thread>

using namespace forgebot::testing;
using nlohmann::json;

namespace {

constexpr std::size_t k_max_body = 1024 * 1024;

/// A ping request whose serialised form is exactly `size` bytes.
std::string ping_of_size(std::size_t size) {
    const std::string empty = rpc_request("ping", {{"pad", ""}}).dump();
    REQUIRE(size >= empty.size());
    return rpc_request("ping", {{"pad", std::string(size - empty.size(), 'x')}}).dump();
}

} // namespace

TEST_CASE("GET /health answers the run's identity, issue and writable set", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());
    const HttpReply reply = client.request("GET", "/health");
    CHECK(reply.status == 200);
    CHECK_THAT(reply.header("content-type"), Catch::StartsWith("application/json"));
    CHECK(reply.json() == json{{"status", "ok"},
                               {"identity", "claude-ab3de"},
                               {"issue", 17},
                               {"writable", {17, 42}}});
    // A query string does not change the path.
    CHECK(client.request("GET", "/health?verbose=1").status == 200);
    CHECK(f.forge.requests().empty());
}

TEST_CASE("The sidecar answers 404 for other paths and 405 with Allow for other methods",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());

    for (const std::string target : {"/", "/rpc/", "/RPC", "/healthz", "/rpc/extra", "/api/v1"}) {
        INFO(target);
        const HttpReply reply = client.request("POST", target, rpc_request("ping").dump());
        CHECK(reply.status == 404);
        CHECK(reply.json().contains("error"));
    }
    for (const std::string method : {"GET", "PUT", "DELETE", "PATCH"}) {
        INFO(method);
        const HttpReply reply = client.request(method, "/rpc");
        CHECK(reply.status == 405);
        CHECK(reply.header("allow") == "POST");
    }
    for (const std::string method : {"POST", "PUT", "DELETE"}) {
        INFO(method);
        const HttpReply reply = client.request(method, "/health");
        CHECK(reply.status == 405);
        CHECK(reply.header("allow") == "GET, HEAD");
    }
    // None of that reached the forge or the audit log, and the connection still works.
    CHECK(f.forge.requests().empty());
    CHECK(client.request("POST", "/rpc", rpc_request("ping").dump()).json()["result"] == "pong");
    CHECK(f.sidecar.audit_lines().empty());
}

TEST_CASE("The sidecar accepts a body of exactly 1 MiB and answers 413 for one byte more",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();

    UnixHttpClient fits(f.sidecar.socket());
    const HttpReply ok = fits.request("POST", "/rpc", ping_of_size(k_max_body));
    CHECK(ok.status == 200);
    CHECK(ok.json()["result"] == "pong");

    UnixHttpClient over(f.sidecar.socket());
    const HttpReply too_large = over.request("POST", "/rpc", ping_of_size(k_max_body + 1));
    CHECK(too_large.status == 413);
    CHECK_FALSE(too_large.keep_alive);
    CHECK(over.closed_by_peer(std::chrono::seconds(5)));

    // A declared length over the limit is refused before the body is sent.
    UnixHttpClient declared(f.sidecar.socket());
    declared.send("POST /rpc HTTP/1.1\r\nHost: sidecar\r\nContent-Length: 5000000000\r\n\r\n");
    CHECK(declared.read_reply().status == 413);

    // An oversized post_comment never reaches the forge.
    const std::string big =
        rpc_request("post_comment", {{"number", 17}, {"body", std::string(k_max_body, 'y')}})
            .dump();
    UnixHttpClient comment(f.sidecar.socket());
    CHECK(comment.request("POST", "/rpc", big).status == 413);
    CHECK(f.forge_writes() == 0);
    CHECK(sidecar_healthy(f.sidecar.socket()));
}

TEST_CASE("The sidecar answers several requests on one keep-alive connection", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());
    for (int i = 0; i < 20; ++i) {
        const HttpReply reply =
            i % 3 == 0
                ? client.request("GET", "/health")
                : client.request("POST", "/rpc",
                                 rpc_request(i % 3 == 1 ? "ping" : "read_issue",
                                             i % 3 == 1 ? json(nullptr) : json{{"number", 17}}, i)
                                     .dump());
        REQUIRE(reply.status == 200);
        CHECK(reply.keep_alive);
        if (i % 3 != 0) {
            CHECK(reply.json()["id"] == i);
            CHECK(reply.json().contains("result"));
        }
    }
    // An error answer keeps the connection too.
    CHECK(client.request("POST", "/rpc", "nonsense").json()["error"]["code"] == -32700);
    CHECK(client.request("GET", "/nowhere").status == 404);
    CHECK(client.request("POST", "/rpc", rpc_request("ping").dump()).json()["result"] == "pong");
}

TEST_CASE("The sidecar answers pipelined requests in order", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());
    // A slow forge read first, then cheap requests: the answers still come in request order.
    f.forge.add_fault(delayed("GET", "/repos/o/r/issues/17", std::chrono::milliseconds(200)));
    client.send(
        http_request_bytes("POST", "/rpc", rpc_request("read_issue", {{"number", 17}}, 1).dump()) +
        http_request_bytes("POST", "/rpc", rpc_request("ping", nullptr, 2).dump()) +
        http_request_bytes("GET", "/health") +
        http_request_bytes("POST", "/rpc", rpc_request("read_pr", {{"number", 42}}, 3).dump()));
    const json first = client.read_reply().json();
    CHECK(first["id"] == 1);
    CHECK(first["result"]["number"] == 17);
    CHECK(client.read_reply().json()["id"] == 2);
    CHECK(client.read_reply().json()["identity"] == "claude-ab3de");
    const json last = client.read_reply().json();
    CHECK(last["id"] == 3);
    CHECK(last["result"]["head_branch"] == "fb/claude-ab3de");
}

TEST_CASE("The sidecar closes the connection after a request that asks it to", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());
    client.send(
        http_request_bytes("POST", "/rpc", rpc_request("ping").dump(), {"Connection: close"}));
    const HttpReply reply = client.read_reply();
    CHECK(reply.json()["result"] == "pong");
    CHECK_FALSE(reply.keep_alive);
    CHECK(client.closed_by_peer(std::chrono::seconds(5)));
}

TEST_CASE("The sidecar answers malformed HTTP with 400 and keeps serving others", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());
    client.send("THIS IS NOT HTTP\r\n\r\n");
    const HttpReply reply = client.read_reply();
    CHECK(reply.status == 400);
    CHECK_FALSE(reply.keep_alive);
    CHECK(sidecar_healthy(f.sidecar.socket()));
}

TEST_CASE("The sidecar answers 64 concurrent clients, each with its own answer", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    constexpr int k_clients = 64;
    std::latch ready(k_clients);
    std::atomic<int> correct{0};
    std::vector<std::string> failures(k_clients);
    std::vector<std::thread> clients;
    for (int i = 0; i < k_clients; ++i) {
        clients.emplace_back([&, i] {
            try {
                UnixHttpClient client(f.sidecar.socket(), std::chrono::seconds(20));
                ready.arrive_and_wait();
                const std::string id = "client-" + std::to_string(i);
                bool ok = true;
                for (int round = 0; round < 3; ++round) {
                    json request;
                    switch ((i + round) % 4) {
                    case 0:
                        request = rpc_request("ping", nullptr, id);
                        break;
                    case 1:
                        request = rpc_request("read_issue", {{"number", 17}}, id);
                        break;
                    case 2:
                        request = rpc_request("read_pr", {{"number", 42}}, id);
                        break;
                    default:
                        request = rpc_request("signal_done",
                                              {{"status", "success"}, {"summary", id}}, id);
                    }
                    const json answer = client.request("POST", "/rpc", request.dump()).json();
                    ok = ok && answer["id"] == id && answer.contains("result");
                    if (request["method"] == "read_issue") {
                        ok = ok && answer["result"]["number"] == 17;
                    } else if (request["method"] == "read_pr") {
                        ok = ok && answer["result"]["number"] == 42;
                    }
                    if (!ok) {
                        failures[static_cast<std::size_t>(i)] = answer.dump();
                        break;
                    }
                }
                if (ok) {
                    ++correct;
                }
            } catch (const std::exception& e) {
                failures[static_cast<std::size_t>(i)] = e.what();
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
    for (const auto& failure : failures) {
        CHECK(failure.empty());
    }
    CHECK(correct == k_clients);
    std::size_t queued = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator(f.sidecar.queue_dir() / "new")) {
        ++queued;
    }
    CHECK(queued == k_clients * 3 / 4);
}

TEST_CASE("A client that sends half a request and stalls does not hold up other clients",
          "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    const std::string request =
        http_request_bytes("POST", "/rpc", rpc_request("ping", nullptr, "slow").dump());

    // One stalls mid-body, one mid-headers, one after connecting without a byte.
    UnixHttpClient mid_body(f.sidecar.socket());
    mid_body.send(request.substr(0, request.size() - 10));
    UnixHttpClient mid_header(f.sidecar.socket());
    mid_header.send(request.substr(0, 20));
    UnixHttpClient silent(f.sidecar.socket());

    for (int i = 0; i < 5; ++i) {
        UnixHttpClient other(f.sidecar.socket(), std::chrono::seconds(2));
        const json answer =
            other.request("POST", "/rpc", rpc_request("read_issue", {{"number", 17}}, i).dump())
                .json();
        CHECK(answer["id"] == i);
        CHECK(answer["result"]["number"] == 17);
    }

    // The stalled clients are still served once they finish their requests.
    mid_body.send(request.substr(request.size() - 10));
    CHECK(mid_body.read_reply().json()["id"] == "slow");
    mid_header.send(request.substr(20));
    CHECK(mid_header.read_reply().json()["id"] == "slow");
    CHECK(silent.request("GET", "/health").status == 200);
}

TEST_CASE("HEAD /health answers headers only and keeps the connection usable", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());
    const HttpReply head = client.request("HEAD", "/health");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    // Had the sidecar sent a body, it would be read here as the next response.
    const HttpReply next = client.request("GET", "/health");
    CHECK(next.status == 200);
    CHECK(next.json()["status"] == "ok");
}

TEST_CASE("The sidecar answers 413 for a chunked body over 1 MiB", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    UnixHttpClient client(f.sidecar.socket());
    client.send("POST /rpc HTTP/1.1\r\nHost: sidecar\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(64 * 1024, 'z');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    try {
        for (std::size_t sent = 0; sent <= k_max_body; sent += chunk.size()) {
            client.send(size_line + chunk + "\r\n");
        }
    } catch (const std::runtime_error&) {
        // The sidecar may answer and close before the last chunk.
    }
    CHECK(client.read_reply().status == 413);
    CHECK(sidecar_healthy(f.sidecar.socket()));
}

TEST_CASE("A slow forge call does not hold up ping or /health", "[sidecar]") {
    SidecarFixture f;
    f.sidecar.start();
    f.forge.add_fault(delayed("GET", "/repos/o/r/issues/17", std::chrono::milliseconds(1500)));
    UnixHttpClient busy(f.sidecar.socket());
    busy.send(
        http_request_bytes("POST", "/rpc", rpc_request("read_issue", {{"number", 17}}).dump()));

    const auto start = std::chrono::steady_clock::now();
    UnixHttpClient quick(f.sidecar.socket(), std::chrono::seconds(1));
    CHECK(quick.request("POST", "/rpc", rpc_request("ping").dump()).json()["result"] == "pong");
    CHECK(quick.request("GET", "/health").status == 200);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));

    CHECK(busy.read_reply().json()["result"]["number"] == 17);
}
