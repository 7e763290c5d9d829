// One JSON-RPC call to the sidecar over its Unix socket, through libcurl, with every failure
// turned into a forgebot::Error that names the socket.
#include "sidecar/client.hpp"

#include "forge/curl_transport.hpp"
#include "util/error.hpp"

#include <cstdlib>

namespace forgebot::sidecar {

SocketCaller::SocketCaller(std::filesystem::path socket, std::chrono::milliseconds timeout)
    : m_socket(std::move(socket)), m_transport(std::make_unique<forge::CurlTransport>(
                                       std::chrono::seconds(5), timeout, m_socket.string())) {}

SocketCaller::~SocketCaller() = default;

CallReply SocketCaller::call(const std::string& method, const nlohmann::json& params) {
    const nlohmann::json request = {
        {"jsonrpc", "2.0"}, {"id", m_next_id++}, {"method", method}, {"params", params}};
    const std::string socket = m_socket.string();
    forge::HttpResponse response;
    try {
        response = m_transport->send(
            {"POST", "http://sidecar/rpc", {{"Content-Type", "application/json"}}, request.dump()});
    } catch (const Error& e) {
        throw Error(Errc::unavailable, "cannot reach the sidecar at " + socket + ": " + e.what());
    }
    if (response.status >= 400 && response.status < 500) {
        // Reached, and refused by the sidecar itself (413: a request over 1 MiB).
        const auto refusal = nlohmann::json::parse(response.body, nullptr, false);
        const std::string reason =
            refusal.is_object() ? refusal.value("error", std::string()) : std::string();
        throw Error(Errc::failure, "the sidecar refused the request" +
                                       (reason.empty() ? std::string() : ": " + reason) +
                                       " (HTTP " + std::to_string(response.status) + ")");
    }
    if (response.status != 200) {
        throw Error(Errc::unavailable, "the sidecar at " + socket + " answered HTTP " +
                                           std::to_string(response.status));
    }
    const auto reply = nlohmann::json::parse(response.body, nullptr, false);
    if (reply.is_object()) {
        if (const auto error = reply.find("error"); error != reply.end() && error->is_object()) {
            return {std::nullopt, *error};
        }
        if (const auto result = reply.find("result"); result != reply.end()) {
            return {*result, nullptr};
        }
    }
    throw Error(Errc::unavailable,
                "the sidecar at " + socket + " answered something that is not a JSON-RPC reply");
}

std::filesystem::path sidecar_socket(const std::string& option) {
    if (!option.empty()) {
        return option;
    }
    const char* env = std::getenv("FORGEBOT_SIDECAR_SOCKET");
    if (env == nullptr || *env == '\0') {
        throw Error(Errc::usage, "no sidecar socket: set FORGEBOT_SIDECAR_SOCKET or pass --socket");
    }
    return env;
}

} // namespace forgebot::sidecar
