// Beast HTTP/1.1 sessions behind a Unix-socket or TCP acceptor, one I/O thread, timers per
// connection; one server and one session template serve both protocols.
#include "util/http_server.hpp"

#include "util/error.hpp"
#include "util/log.hpp"
#include "util/private_dir.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <cstring>
#include <optional>
#include <set>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <type_traits>
#include <unistd.h>

namespace forgebot::util {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = net::local::stream_protocol;
using tcp = net::ip::tcp;
// Rationale: the io_context's own executor type rather than the type-erased any_io_executor
// (Asio's default), which Beast copies and wraps several times per operation.
using Executor = net::io_context::executor_type;

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, beast::string_view(name.data(), name.size()))) {
            return value;
        }
    }
    return {};
}

std::size_t max_socket_path() {
    return sizeof(sockaddr_un::sun_path) - 1;
}

ListenAddress parse_listen_address(std::string_view text) {
    const auto refuse = [text](const std::string& why) {
        return Error(Errc::usage, "listen address \"" + std::string(text) + "\" " + why +
                                      "; write ADDR:PORT, e.g. 127.0.0.1:8765 or [::1]:8765");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        throw refuse("has no port");
    }
    std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || number > 65535) {
        throw refuse("has no port number in 0-65535 after the last ':'");
    }
    if (host.starts_with('[')) {
        if (host.size() < 3 || !host.ends_with(']')) {
            throw refuse("has an unclosed '['");
        }
        host = host.substr(1, host.size() - 2);
        beast::error_code invalid;
        net::ip::make_address_v6(std::string(host), invalid);
        if (invalid) {
            throw refuse("has no IPv6 address between '[' and ']'");
        }
    } else if (host.empty()) {
        throw refuse("has no address before the port");
    } else if (host.find_first_of(":[]") != std::string_view::npos) {
        throw refuse("has an IPv6 address without brackets or a stray bracket");
    }
    return {std::string(host), static_cast<std::uint16_t>(number)};
}

namespace detail {

/// The protocol-independent face of a server, behind HttpServer.
class ServerCore {
public:
    virtual ~ServerCore() = default;
    virtual void run() = 0;
    virtual void stop() = 0;
    virtual void post(std::function<void()> work) = 0;
    virtual void on_signals(std::function<void(int)> on_signal) = 0;
    /// Ends serving at once; idempotent.
    virtual void finish() = 0;
};

} // namespace detail

namespace {

/// The room each connection reads into: a request this size arrives in one read.
constexpr std::size_t k_read_size = 16 * 1024;

template <class Protocol> class Session;

/// The acceptor, the sessions and the shutdown sequence for one protocol. Everything but
/// stop() runs on the I/O thread.
template <class Protocol> struct Server final : detail::ServerCore {
    using Acceptor = net::basic_socket_acceptor<Protocol, Executor>;
    using Socket = net::basic_stream_socket<Protocol, Executor>;

    Server(HttpHandler h, ServerLimits l)
        : handler(std::move(h)), limits(l), acceptor(io), grace(io), signals(io) {}

    void run() override {
        accept();
        io.run();
    }

    void stop() override {
        net::post(io, [this] { begin_stop(); });
    }

    void post(std::function<void()> work) override { net::post(io, std::move(work)); }

    void on_signals(std::function<void(int)> on_signal) override;
    void finish() override;
    void accept();
    void begin_stop();

    HttpHandler handler;
    ServerLimits limits;
    net::io_context io{1};
    Acceptor acceptor;
    net::steady_timer grace;
    net::signal_set signals;
    std::set<std::shared_ptr<Session<Protocol>>> sessions;
    std::function<void()> after_finish; ///< clean-up once serving has ended, e.g. unlink
    bool stopping = false;
    bool finished = false;
};

/// One connection: read a request, hand it to the handler, write the answer, repeat.
template <class Protocol> class Session : public std::enable_shared_from_this<Session<Protocol>> {
public:
    using Socket = typename Server<Protocol>::Socket;

    Session(Server<Protocol>& server, Socket socket)
        : m_server(server), m_stream(std::move(socket)) {}

    void start() {
        beast::error_code ec;
        m_stream.socket().non_blocking(true, ec); // for write(); Asio's async operations ignore it
        if constexpr (std::is_same_v<Protocol, tcp>) {
            // Rationale: an answer is one small write that the client waits for; Nagle's
            // algorithm would hold it back for the client's delayed ACK.
            m_stream.socket().set_option(tcp::no_delay(true), ec);
        }
        // Rationale: Beast reads into what the buffer holds beyond its data, at least 512 bytes,
        // and a buffer only grows as far as that needs; a 2 KB webhook took five reads.
        m_buffer.reserve(k_read_size);
        read();
    }

    /// Closes the connection now when it is between requests; otherwise after the answer.
    void stop_when_idle() {
        if (!m_in_flight) {
            close();
        }
    }

    void close() {
        if (m_closed) {
            return;
        }
        m_closed = true;
        const auto self = this->shared_from_this(); // erase() below may drop the last other owner
        beast::error_code ec;
        m_stream.socket().shutdown(Socket::shutdown_both, ec);
        m_stream.close();
        m_server.sessions.erase(self);
        if (m_server.stopping && m_server.sessions.empty()) {
            m_server.finish();
        }
    }

private:
    void read() {
        m_head = false;
        m_parser.emplace();
        m_parser->body_limit(m_server.limits.max_body);
        m_parser->header_limit(static_cast<std::uint32_t>(m_server.limits.max_header));
        // Rationale: the idle wait is long, but once the first byte arrives the whole request
        // must follow within read_timeout, so a stalled client holds only its own connection.
        m_stream.expires_after(m_buffer.size() > 0 ? m_server.limits.read_timeout
                                                   : m_server.limits.idle_timeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                [self = this->shared_from_this()](
                                    beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (ec) {
            return on_error(ec);
        }
        // Rationale: a small request's body arrives with its header; taking it from the buffer
        // here saves a trip round the event loop per request.
        if (parse_buffered(ec)) {
            return on_body(ec);
        }
        m_stream.expires_after(m_server.limits.read_timeout);
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = this->shared_from_this()](beast::error_code e, std::size_t) {
                             self->on_body(e);
                         });
    }

    /// Feeds the parser the bytes already buffered. True when that ended the request, complete
    /// or failed (`ec` says which); false when more bytes must be read.
    bool parse_buffered(beast::error_code& ec) {
        m_parser->eager(true);
        while (!m_parser->is_done() && m_buffer.size() > 0) {
            const std::size_t used = m_parser->put(m_buffer.data(), ec);
            m_buffer.consume(used);
            if (ec == http::error::need_more) {
                ec = {};
                return false;
            }
            if (ec) {
                return true;
            }
            if (used == 0) {
                return false;
            }
        }
        return m_parser->is_done();
    }

    void on_error(beast::error_code ec) {
        if (ec == http::error::body_limit) {
            return reject(413, "{\"error\":\"request body too large\"}");
        }
        if (ec == http::error::header_limit) {
            return reject(431, "{\"error\":\"request header too large\"}");
        }
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == net::error::operation_aborted || ec == net::error::connection_reset ||
            ec == net::error::eof || ec == http::error::partial_message) {
            return close();
        }
        reject(400, "{\"error\":\"malformed HTTP request\"}");
    }

    void reject(unsigned status, std::string body) {
        m_keep_alive = false;
        HttpResponse response;
        response.status = status;
        response.body = std::move(body);
        write(std::move(response));
    }

    void on_body(beast::error_code ec) {
        if (ec) {
            return on_error(ec);
        }
        auto message = m_parser->release();
        m_keep_alive = message.keep_alive() && !m_server.stopping;
        m_head = message.method() == http::verb::head;
        HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message) {
            request.headers.emplace_back(field.name_string(), field.value());
        }
        request.body = std::move(message.body());
        m_in_flight = true;
        m_stream.expires_never();
        auto self = this->shared_from_this();
        // Rationale: dispatch, not post: an answer given on the I/O thread (ping, health) is
        // written at once instead of after another trip round the event loop.
        Responder respond = [self](HttpResponse response) {
            net::dispatch(self->m_stream.get_executor(),
                          [self, r = std::move(response)]() mutable { self->write(std::move(r)); });
        };
        try {
            m_server.handler(std::move(request), std::move(respond));
        } catch (const std::exception& e) {
            log(LogLevel::error, std::string("request handler failed: ") + e.what());
            reject(500, "{\"error\":\"internal error\"}");
        }
    }

    void write(HttpResponse response) {
        if (m_closed) {
            return;
        }
        m_in_flight = true;
        auto message = std::make_shared<http::response<http::string_body>>();
        message->version(11);
        message->result(response.status);
        message->set(http::field::server, "forgebot");
        if (response.status != 204) {
            message->set(http::field::content_type, response.content_type);
            message->body() = std::move(response.body);
        }
        for (auto& [name, value] : response.headers) {
            message->set(name, value);
        }
        message->keep_alive(m_keep_alive && !m_server.stopping);
        message->prepare_payload();
        if (m_head) {
            // A HEAD answer has the headers of the GET answer and no body.
            const auto length = message->body().size();
            message->body().clear();
            message->content_length(length);
        }
        // Rationale: an answer nearly always fits the socket's buffer, so write what the socket
        // takes now and wait (under the write timeout) only for a rest; that saves a timer and
        // a trip round the event loop per request. The socket is non-blocking (start()).
        auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*message);
        beast::error_code ec;
        while (!ec && !serializer->is_done()) {
            http::write_some(m_stream.socket(), *serializer, ec);
        }
        if (ec != net::error::would_block) {
            return on_write(ec, message->keep_alive());
        }
        m_stream.expires_after(m_server.limits.read_timeout);
        http::async_write(m_stream, *serializer,
                          [self = this->shared_from_this(), message,
                           serializer](beast::error_code e, std::size_t) {
                              self->on_write(e, message->keep_alive());
                          });
    }

    void on_write(beast::error_code ec, bool keep_alive) {
        m_in_flight = false;
        if (ec || !keep_alive || m_server.stopping) {
            return close();
        }
        read();
    }

    Server<Protocol>& m_server;
    beast::basic_stream<Protocol, Executor> m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    bool m_keep_alive = true;
    bool m_head = false; ///< the request being answered is a HEAD
    bool m_in_flight = false;
    bool m_closed = false;
};

template <class Protocol> void Server<Protocol>::accept() {
    acceptor.async_accept([this](beast::error_code ec, Socket socket) {
        if (ec) {
            if (!stopping && ec != net::error::operation_aborted) {
                log(LogLevel::warn, "accept failed: " + ec.message());
                accept();
            }
            return;
        }
        if (sessions.size() >= limits.max_connections) {
            static constexpr char k_busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: "
                                             "0\r\nConnection: close\r\n\r\n";
            beast::error_code ignored;
            net::write(socket, net::buffer(k_busy, sizeof k_busy - 1), ignored);
            socket.close(ignored);
        } else {
            auto session = std::make_shared<Session<Protocol>>(*this, std::move(socket));
            sessions.insert(session);
            session->start();
        }
        accept();
    });
}

template <class Protocol> void Server<Protocol>::begin_stop() {
    if (stopping) {
        return;
    }
    stopping = true;
    beast::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    // Copy: closing a session removes it from the set.
    const auto current = sessions;
    for (const auto& session : current) {
        session->stop_when_idle();
    }
    if (sessions.empty()) {
        finish();
        return;
    }
    grace.expires_after(limits.shutdown_grace);
    grace.async_wait([this](beast::error_code e) {
        if (!e) {
            const auto left = sessions;
            for (const auto& session : left) {
                session->close();
            }
            finish();
        }
    });
}

template <class Protocol> void Server<Protocol>::finish() {
    if (finished) {
        return;
    }
    finished = true;
    grace.cancel();
    if (after_finish) {
        after_finish();
    }
    io.stop();
}

template <class Protocol> void Server<Protocol>::on_signals(std::function<void(int)> on_signal) {
    signals.add(SIGTERM);
    signals.add(SIGINT);
    auto wait = std::make_shared<std::function<void()>>();
    // Rationale: the function holds itself weakly (a strong self-reference never dies, which
    // LeakSanitizer reports); the pending wait's handler holds it strongly.
    *wait = [this, on_signal = std::move(on_signal),
             weak = std::weak_ptr<std::function<void()>>(wait)]() {
        signals.async_wait([this, on_signal, wait = weak.lock()](beast::error_code ec, int signal) {
            if (ec) {
                return;
            }
            on_signal(signal);
            if (!stopping) {
                (*wait)();
            }
        });
    };
    (*wait)();
}

/// Opens, binds and listens on `endpoint`; the first failure is left in `ec`.
template <class Protocol>
void listen_on(typename Server<Protocol>::Acceptor& acceptor,
               const typename Protocol::endpoint& endpoint, beast::error_code& ec) {
    acceptor.open(endpoint.protocol(), ec);
    if constexpr (std::is_same_v<Protocol, tcp>) {
        // Rationale: a restarted server can bind while the last run's connections linger in
        // TIME_WAIT; Linux still refuses a port that another socket listens on.
        if (!ec) {
            acceptor.set_option(net::socket_base::reuse_address(true), ec);
        }
    }
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(net::socket_base::max_listen_connections, ec);
    }
}

/// Whether something accepts connections on the socket at `path`.
bool socket_is_live(const std::filesystem::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    const bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return live;
}

/// Prepares `path` for bind(): checks its length, makes its directory, clears a stale socket.
void prepare_socket_path(const std::filesystem::path& path) {
    if (path.native().size() > max_socket_path()) {
        throw Error(Errc::usage, "socket path " + path.string() + " is " +
                                     std::to_string(path.native().size()) +
                                     " bytes; the limit is " + std::to_string(max_socket_path()) +
                                     " (sun_path)");
    }
    if (path.has_parent_path()) {
        ensure_private_dir(path.parent_path());
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        return;
    }
    if (!S_ISSOCK(st.st_mode)) {
        throw Error(Errc::usage, path.string() + " exists and is not a socket; not replacing it");
    }
    if (socket_is_live(path)) {
        throw Error(Errc::unavailable, "another process is already serving on " + path.string());
    }
    ::unlink(path.c_str());
}

/// The endpoint to bind for `address`: its IP address as it is, or a host name's first address.
/// Throws Error{Errc::unavailable} naming `text` when the name does not resolve.
tcp::endpoint resolve(const ListenAddress& address, std::string_view text) {
    beast::error_code ec;
    const auto ip = net::ip::make_address(address.host, ec);
    if (!ec) {
        return {ip, address.port};
    }
    net::io_context io;
    tcp::resolver resolver(io);
    const auto results =
        resolver.resolve(address.host, std::to_string(address.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
        throw Error(Errc::unavailable, "cannot listen on " + std::string(text) +
                                           ": cannot resolve " + address.host + ": " +
                                           (ec ? ec.message() : "no address"));
    }
    return results.begin()->endpoint();
}

} // namespace

HttpServer::HttpServer(std::unique_ptr<detail::ServerCore> core) : m_core(std::move(core)) {}

HttpServer::~HttpServer() {
    m_core->finish();
}

void HttpServer::run() {
    m_core->run();
}

void HttpServer::stop() {
    m_core->stop();
}

void HttpServer::post(std::function<void()> work) {
    m_core->post(std::move(work));
}

void HttpServer::on_signals(std::function<void(int)> on_signal) {
    m_core->on_signals(std::move(on_signal));
}

UnixHttpServer::UnixHttpServer(const std::filesystem::path& socket_path, HttpHandler handler,
                               ServerLimits limits)
    : HttpServer(std::make_unique<Server<local>>(std::move(handler), limits)),
      m_socket_path(socket_path) {
    auto& server = static_cast<Server<local>&>(core());
    prepare_socket_path(socket_path);
    beast::error_code ec;
    const mode_t old_mask = ::umask(0177);
    listen_on<local>(server.acceptor, local::endpoint(socket_path.string()), ec);
    ::umask(old_mask);
    if (ec) {
        throw Error(Errc::io, "cannot listen on " + socket_path.string() + ": " + ec.message());
    }
    ::chmod(socket_path.c_str(), 0600);
    struct stat st {};
    if (::lstat(socket_path.c_str(), &st) != 0) {
        return;
    }
    // Remove the socket file only if it is still the one we bound.
    server.after_finish = [path = socket_path, inode = st.st_ino] {
        struct stat now {};
        if (::lstat(path.c_str(), &now) == 0 && now.st_ino == inode) {
            ::unlink(path.c_str());
        }
    };
}

TcpHttpServer::TcpHttpServer(std::string_view listen_address, HttpHandler handler,
                             ServerLimits limits)
    : HttpServer(std::make_unique<Server<tcp>>(std::move(handler), limits)) {
    auto& server = static_cast<Server<tcp>&>(core());
    const auto endpoint = resolve(parse_listen_address(listen_address), listen_address);
    beast::error_code ec;
    listen_on<tcp>(server.acceptor, endpoint, ec);
    if (ec) {
        throw Error(Errc::unavailable,
                    "cannot listen on " + std::string(listen_address) + ": " + ec.message());
    }
    m_port = server.acceptor.local_endpoint().port();
}

} // namespace forgebot::util
