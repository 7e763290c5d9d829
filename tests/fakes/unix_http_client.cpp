// Raw-byte HTTP over a Unix socket: poll with deadlines, Beast's response parser.
#include "fakes/unix_http_client.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace forgebot::testing {

namespace http = boost::beast::http;

namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string lower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return text;
}

/// Waits for `events` on `fd` until `timeout`; false when the time ran out.
bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            fail("poll");
        }
        return r > 0;
    }
}

} // namespace

std::string HttpReply::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

nlohmann::json HttpReply::json() const {
    try {
        return nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception&) {
        throw std::runtime_error("HTTP " + std::to_string(status) + " body is not JSON: " + body);
    }
}

std::string http_request_bytes(std::string_view method, std::string_view target,
                               std::string_view body,
                               const std::vector<std::string>& extra_headers) {
    std::string out;
    out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: sidecar\r\n");
    if (!body.empty()) {
        out.append("Content-Type: application/json\r\n");
    }
    if (!body.empty() || method == "POST") {
        out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    for (const auto& line : extra_headers) {
        out.append(line).append("\r\n");
    }
    out.append("\r\n").append(body);
    return out;
}

UnixHttpClient::UnixHttpClient(const std::filesystem::path& socket,
                               std::chrono::milliseconds timeout)
    : m_timeout(timeout) {
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        fail("socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket.native().size() >= sizeof addr.sun_path) {
        ::close(m_fd);
        throw std::runtime_error("socket path too long: " + socket.string());
    }
    std::memcpy(addr.sun_path, socket.c_str(), socket.native().size());
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const int saved = errno;
        ::close(m_fd);
        errno = saved;
        fail("cannot connect to " + socket.string());
    }
}

UnixHttpClient::~UnixHttpClient() {
    ::close(m_fd);
}

void UnixHttpClient::send(std::string_view bytes) {
    while (!bytes.empty()) {
        if (!wait_fd(m_fd, POLLOUT, m_timeout)) {
            throw std::runtime_error("timed out sending to the server");
        }
        const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fail("send");
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool UnixHttpClient::fill() {
    if (!wait_fd(m_fd, POLLIN, m_timeout)) {
        throw std::runtime_error("timed out waiting for the server");
    }
    char buf[16 * 1024];
    for (;;) {
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == ECONNRESET) {
            return false;
        }
        if (n < 0) {
            fail("recv");
        }
        m_pending.append(buf, static_cast<std::size_t>(n));
        return n > 0;
    }
}

HttpReply UnixHttpClient::read_reply(bool to_head) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.skip(to_head);
    parser.body_limit(boost::none);
    for (;;) {
        boost::beast::error_code ec;
        if (!m_pending.empty()) {
            const std::size_t used =
                parser.put(boost::asio::buffer(m_pending.data(), m_pending.size()), ec);
            m_pending.erase(0, used);
            if (ec && ec != http::error::need_more) {
                throw std::runtime_error("malformed HTTP response: " + ec.message());
            }
            if (parser.is_done()) {
                break;
            }
            if (!ec && used > 0) {
                continue;
            }
        }
        if (!fill()) {
            if (parser.got_some()) {
                parser.put_eof(ec);
            }
            if (!parser.got_some() || ec || !parser.is_done()) {
                throw std::runtime_error("the server closed the connection before a whole "
                                         "response");
            }
            break;
        }
    }
    auto message = parser.release();
    HttpReply reply;
    reply.status = message.result_int();
    for (const auto& field : message) {
        reply.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    }
    reply.body = std::move(message.body());
    reply.keep_alive = message.keep_alive();
    return reply;
}

HttpReply UnixHttpClient::request(std::string_view method, std::string_view target,
                                  std::string_view body) {
    try {
        send(http_request_bytes(method, target, body));
    } catch (const std::runtime_error&) {
        // The server may answer and close before reading it all (413): read that answer.
    }
    return read_reply(method == "HEAD");
}

bool UnixHttpClient::closed_by_peer(std::chrono::milliseconds timeout) {
    if (!m_pending.empty() || !wait_fd(m_fd, POLLIN, timeout)) {
        return false;
    }
    char c = 0;
    const ssize_t n = ::recv(m_fd, &c, 1, MSG_PEEK);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

nlohmann::json rpc_call(const std::filesystem::path& socket, const nlohmann::json& request) {
    UnixHttpClient client(socket);
    const HttpReply reply = client.request("POST", "/rpc", request.dump());
    if (reply.status != 200) {
        throw std::runtime_error("POST /rpc answered HTTP " + std::to_string(reply.status) + ": " +
                                 reply.body);
    }
    return reply.json();
}

nlohmann::json rpc_request(const std::string& method, nlohmann::json params, nlohmann::json id) {
    nlohmann::json request = {{"jsonrpc", "2.0"}, {"method", method}, {"id", std::move(id)}};
    if (!params.is_null()) {
        request["params"] = std::move(params);
    }
    return request;
}

} // namespace forgebot::testing
