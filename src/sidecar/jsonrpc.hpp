// JSON-RPC 2.0: request validation, batches, notifications and error objects, independent of
// the transport.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace forgebot::sidecar {

/// The standard and forgebot-specific JSON-RPC error codes.
namespace rpc_code {
constexpr int parse_error = -32700;
constexpr int invalid_request = -32600;
constexpr int method_not_found = -32601;
constexpr int invalid_params = -32602;
constexpr int internal_error = -32603;
constexpr int scope_denied = -32001;
constexpr int forge_error = -32002;
constexpr int not_found = -32003;
constexpr int forge_unavailable = -32004;
} // namespace rpc_code

/// A JSON-RPC error a method handler throws to answer with that error object.
class RpcError : public std::runtime_error {
public:
    RpcError(int code, const std::string& message, nlohmann::json data = nullptr)
        : std::runtime_error(message), m_code(code), m_data(std::move(data)) {}

    int code() const noexcept { return m_code; }
    const nlohmann::json& data() const noexcept { return m_data; }

private:
    int m_code;
    nlohmann::json m_data;
};

/// A method: takes the request's params (always an object; `{}` when absent) and returns the
/// result. Throws RpcError for an error answer; any other exception becomes -32603 with a generic
/// message (its text is not sent, as it may name host details).
using Method = std::function<nlohmann::json(const nlohmann::json& params)>;

/// Maps method names to handlers and answers request bodies.
/// Thread-safety: add() before serving; handle() may then run on many threads at once.
class Dispatcher {
public:
    /// Registers (or replaces) a method. `blocking` says it may wait on I/O (the forge, git, a
    /// disk sync), so a server should run it off its I/O thread.
    void add(std::string name, Method method, bool blocking = true);

    /// Answers one HTTP body: a request, a notification or a batch. Returns the response body, or
    /// std::nullopt when nothing is to be sent (only notifications). Never throws.
    std::optional<std::string> handle(std::string_view body) const;

    /// The same for a body already parsed as JSON.
    std::optional<std::string> handle(const nlohmann::json& request) const;

    /// Whether answering `request` (a parsed request or batch) may call a blocking method.
    bool needs_worker(const nlohmann::json& request) const;

    /// Whether a method of this name exists.
    bool has(const std::string& name) const { return m_methods.count(name) != 0; }

private:
    std::optional<nlohmann::json> handle_one(const nlohmann::json& request) const;

    struct Entry {
        Method method;
        bool blocking;
    };
    std::map<std::string, Entry, std::less<>> m_methods;
};

/// Reads an integer param: a JSON integer within int64 (not a float, string or boolean).
/// Throws RpcError(invalid_params) naming the param otherwise.
std::int64_t int_param(const nlohmann::json& params, std::string_view name);

/// Reads a string param; throws RpcError(invalid_params) naming the param when it is missing or
/// not a string.
std::string string_param(const nlohmann::json& params, std::string_view name);

/// Reads an optional string param (absent or null → std::nullopt).
std::optional<std::string> optional_string_param(const nlohmann::json& params,
                                                 std::string_view name);

} // namespace forgebot::sidecar
