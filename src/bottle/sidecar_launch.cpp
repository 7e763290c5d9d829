// Starting the sidecar process and checking its health over its Unix socket (Boost.Beast).
#include "bottle/sidecar_launch.hpp"

#include "util/error.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace forgebot::bottle {

namespace {

namespace http = boost::beast::http;
using local = boost::asio::local::stream_protocol;

/// The last lines of `file`, for an error message.
std::string tail(const std::filesystem::path& file, std::size_t max_bytes = 600) {
    std::ifstream in(file, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (text.size() > max_bytes) {
        text = text.substr(text.size() - max_bytes);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    for (auto& c : text) {
        if (c == '\n') {
            c = ';';
        }
    }
    return text;
}

/// This process's environment without variables that could carry a token.
std::vector<std::string> sidecar_environment() {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        if (entry.starts_with("FORGE_TOKEN=") || entry.starts_with("FORGEBOT_SIDECAR_SOCKET=")) {
            continue;
        }
        env.push_back(entry);
    }
    return env;
}

} // namespace

bool sidecar_healthy(const std::filesystem::path& socket) {
    try {
        boost::asio::io_context io;
        local::socket stream(io);
        stream.connect(local::endpoint(socket.string()));
        timeval tv{1, 0};
        ::setsockopt(stream.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(stream.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        http::request<http::empty_body> request(http::verb::get, "/health", 11);
        request.set(http::field::host, "sidecar");
        http::write(stream, request);
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        return response.result() == http::status::ok;
    } catch (const std::exception&) {
        return false;
    }
}

util::Child start_sidecar(const SidecarSpec& spec, const BottlePaths& paths,
                          std::chrono::milliseconds timeout) {
    int token_pipe[2];
    if (::pipe2(token_pipe, O_CLOEXEC) != 0) {
        throw Error(Errc::io, std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    // Rationale: a token fits the pipe's buffer, so it is written whole before the sidecar
    // starts and the write end closed, which gives the sidecar its EOF.
    const ssize_t written = ::write(token_pipe[1], spec.token.data(), spec.token.size());
    ::close(token_pipe[1]);
    if (written != static_cast<ssize_t>(spec.token.size())) {
        ::close(token_pipe[0]);
        throw Error(Errc::io, "cannot hand the token to the sidecar");
    }
    const int token_fd = token_pipe[0];
    const int log_fd =
        ::open(paths.sidecar_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        ::close(token_fd);
        throw Error(Errc::io,
                    "cannot open " + paths.sidecar_log.string() + ": " + std::strerror(errno));
    }
    util::SpawnOptions options;
    options.argv = {spec.forgebot_binary.string(),
                    "sidecar",
                    "--socket",
                    paths.socket.string(),
                    "--queue-dir",
                    paths.queue.string(),
                    "--identity",
                    spec.identity,
                    "--forge",
                    std::string(forge::to_string(spec.kind)),
                    "--api-url",
                    spec.api_url,
                    "--owner",
                    spec.owner,
                    "--repo",
                    spec.repo,
                    "--issue",
                    std::to_string(spec.issue),
                    "--workspace",
                    spec.workspace.string(),
                    "--branch",
                    spec.branch,
                    "--audit-log",
                    paths.audit_log.string(),
                    "--token-fd",
                    std::to_string(token_fd)};
    for (const auto pr : spec.prs) {
        options.argv.insert(options.argv.end(), {"--pr", std::to_string(pr)});
    }
    options.env = sidecar_environment();
    options.new_process_group = true;
    options.in = util::Stdio::null;
    options.out = util::Stdio::null;
    options.err_fd = log_fd;
    options.keep_fds = {token_fd};
    std::optional<util::Child> child;
    try {
        child.emplace(util::Child::spawn(options));
    } catch (...) {
        ::close(token_fd);
        ::close(log_fd);
        throw;
    }
    ::close(token_fd);
    ::close(log_fd);

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (const auto status = child->try_wait()) {
            throw Error(Errc::unavailable, "the sidecar exited with status " +
                                               std::to_string(*status) + ": " +
                                               tail(paths.sidecar_log));
        }
        if (sidecar_healthy(paths.socket)) {
            return std::move(*child);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            child->terminate(std::chrono::seconds(2));
            throw Error(Errc::unavailable, "the sidecar did not become healthy on " +
                                               paths.socket.string() + ": " +
                                               tail(paths.sidecar_log));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace forgebot::bottle
