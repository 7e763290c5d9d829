// JSON-RPC 2.0 request handling: validation, dispatch, batches and notifications.
#include "sidecar/jsonrpc.hpp"

#include <algorithm>
#include <limits>

namespace forgebot::sidecar {

namespace {

nlohmann::json error_response(const nlohmann::json& id, int code, const std::string& message,
                              const nlohmann::json& data = nullptr) {
    nlohmann::json error = {{"code", code}, {"message", message}};
    if (!data.is_null()) {
        error["data"] = data;
    }
    return {{"jsonrpc", "2.0"}, {"error", std::move(error)}, {"id", id}};
}

bool valid_id(const nlohmann::json& id) {
    return id.is_string() || id.is_number() || id.is_null();
}

} // namespace

void Dispatcher::add(std::string name, Method method, bool blocking) {
    m_methods.insert_or_assign(std::move(name), Entry{std::move(method), blocking});
}

bool Dispatcher::needs_worker(const nlohmann::json& request) const {
    auto blocking = [this](const nlohmann::json& one) {
        if (!one.is_object()) {
            return false;
        }
        const auto method = one.find("method");
        if (method == one.end() || !method->is_string()) {
            return false;
        }
        const auto it = m_methods.find(method->get_ref<const std::string&>());
        return it != m_methods.end() && it->second.blocking;
    };
    if (request.is_array()) {
        return std::any_of(request.begin(), request.end(), blocking);
    }
    return blocking(request);
}

std::optional<nlohmann::json> Dispatcher::handle_one(const nlohmann::json& request) const {
    if (!request.is_object()) {
        return error_response(nullptr, rpc_code::invalid_request,
                              "invalid request: expected a JSON object");
    }
    const auto id_it = request.find("id");
    const bool is_notification = id_it == request.end();
    const nlohmann::json id = is_notification ? nlohmann::json(nullptr) : *id_it;
    if (!valid_id(id)) {
        return error_response(nullptr, rpc_code::invalid_request,
                              "invalid request: id must be a string, a number or null");
    }
    const auto version = request.find("jsonrpc");
    if (version == request.end() || *version != "2.0") {
        return error_response(id, rpc_code::invalid_request,
                              "invalid request: jsonrpc must be \"2.0\"");
    }
    const auto method_it = request.find("method");
    if (method_it == request.end() || !method_it->is_string()) {
        return error_response(id, rpc_code::invalid_request,
                              "invalid request: method must be a string");
    }
    const std::string& name = method_it->get_ref<const std::string&>();
    nlohmann::json params = nlohmann::json::object();
    if (const auto p = request.find("params"); p != request.end() && !p->is_null()) {
        if (p->is_array()) {
            if (is_notification) {
                return std::nullopt;
            }
            return error_response(id, rpc_code::invalid_params,
                                  "invalid params: params must be a named object");
        }
        if (!p->is_object()) {
            return error_response(id, rpc_code::invalid_request,
                                  "invalid request: params must be an object");
        }
        params = *p;
    }

    nlohmann::json response;
    const auto method = m_methods.find(name);
    if (method == m_methods.end()) {
        // Rationale: echo at most a short prefix, so a huge name cannot inflate the answer.
        constexpr std::size_t k_max_echo = 64;
        response = error_response(id, rpc_code::method_not_found,
                                  "method not found: " + name.substr(0, k_max_echo) +
                                      (name.size() > k_max_echo ? "..." : ""));
    } else {
        try {
            response = {{"jsonrpc", "2.0"}, {"result", method->second.method(params)}, {"id", id}};
        } catch (const RpcError& e) {
            response = error_response(id, e.code(), e.what(), e.data());
        } catch (const std::exception&) {
            response = error_response(id, rpc_code::internal_error, "internal error");
        }
    }
    if (is_notification) {
        return std::nullopt;
    }
    return response;
}

std::optional<std::string> Dispatcher::handle(std::string_view body) const {
    nlohmann::json request;
    try {
        request = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception&) {
        return error_response(nullptr, rpc_code::parse_error, "parse error: body is not valid JSON")
            .dump();
    }
    return handle(request);
}

std::optional<std::string> Dispatcher::handle(const nlohmann::json& request) const {
    if (!request.is_array()) {
        auto response = handle_one(request);
        return response ? std::optional<std::string>(response->dump()) : std::nullopt;
    }
    if (request.empty()) {
        return error_response(nullptr, rpc_code::invalid_request, "invalid request: empty batch")
            .dump();
    }
    nlohmann::json responses = nlohmann::json::array();
    for (const auto& element : request) {
        if (auto response = handle_one(element)) {
            responses.push_back(std::move(*response));
        }
    }
    if (responses.empty()) {
        return std::nullopt;
    }
    return responses.dump();
}

std::int64_t int_param(const nlohmann::json& params, std::string_view name) {
    const auto it = params.find(name);
    if (it == params.end()) {
        throw RpcError(rpc_code::invalid_params,
                       "invalid params: missing '" + std::string(name) + "'");
    }
    if (!it->is_number_integer()) {
        throw RpcError(rpc_code::invalid_params,
                       "invalid params: '" + std::string(name) + "' must be an integer");
    }
    if (it->is_number_unsigned() &&
        it->get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw RpcError(rpc_code::invalid_params,
                       "invalid params: '" + std::string(name) + "' is out of range");
    }
    return it->get<std::int64_t>();
}

std::string string_param(const nlohmann::json& params, std::string_view name) {
    const auto it = params.find(name);
    if (it == params.end() || !it->is_string()) {
        throw RpcError(rpc_code::invalid_params,
                       "invalid params: '" + std::string(name) + "' must be a string");
    }
    return it->get<std::string>();
}

std::optional<std::string> optional_string_param(const nlohmann::json& params,
                                                 std::string_view name) {
    const auto it = params.find(name);
    if (it == params.end() || it->is_null()) {
        return std::nullopt;
    }
    if (!it->is_string()) {
        throw RpcError(rpc_code::invalid_params,
                       "invalid params: '" + std::string(name) + "' must be a string");
    }
    return it->get<std::string>();
}

} // namespace forgebot::sidecar
