// MCP over JSON-RPC 2.0: message validation, the session lifecycle, version negotiation and the
// tool calls forwarded to the sidecar.
#include "mcp/server.hpp"

#include "mcp/tools.hpp"
#include "sidecar/jsonrpc.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <array>

namespace forgebot::mcp {

namespace {

using nlohmann::json;
namespace rpc_code = sidecar::rpc_code;

constexpr std::array<std::string_view, 4> k_versions{"2025-11-25", "2025-06-18", "2025-03-26",
                                                     "2024-11-05"};
/// Tool titles, output schemas and structured content.
constexpr std::string_view k_structured_since = "2025-06-18";
/// Tool annotations.
constexpr std::string_view k_annotations_since = "2025-03-26";
/// Invalid tool arguments as a tool result with isError rather than a -32602 error.
constexpr std::string_view k_argument_results_since = "2025-11-25";
/// Where a 2026-07-28 (stateless) client names its version in each request.
constexpr const char* k_meta_version = "io.modelcontextprotocol/protocolVersion";
/// At most this much of a client's method or tool name is echoed back.
constexpr std::size_t k_max_echo = 64;

constexpr const char* k_instructions =
    "Tools for the git forge issue this run is assigned. Read any issue or pull request; write "
    "(comment, update a description) only to the assigned issue and its pull requests. Commit "
    "your work, push it with forge_push_branch, open the pull request with forge_open_pr, and "
    "call forge_signal_done when a unit of work is finished.";

/// An error answer. Rationale: when the id is unusable (a parse error, an invalid request) it is
/// left out rather than null, as MCP forbids null ids and its 2025-11-25 schema makes the id of
/// an error optional for exactly this case.
json error_response(const json& id, int code, const std::string& message,
                    const json& data = nullptr) {
    json error = {{"code", code}, {"message", message}};
    if (!data.is_null()) {
        error["data"] = data;
    }
    json out = {{"jsonrpc", "2.0"}, {"error", std::move(error)}};
    if (!id.is_null()) {
        out["id"] = id;
    }
    return out;
}

json result_response(const json& id, json result) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

/// `name` cut to a few dozen bytes, so that a huge name cannot inflate the answer.
std::string echo(const std::string& name) {
    return name.size() > k_max_echo ? name.substr(0, k_max_echo) + "..." : name;
}

/// Whether `id` is an MCP request id: a string or an integer (never null).
bool valid_id(const json& id) {
    return id.is_string() || id.is_number_integer();
}

bool supported(std::string_view version) {
    return std::find(k_versions.begin(), k_versions.end(), version) != k_versions.end();
}

json supported_list() {
    json out = json::array();
    for (const auto version : k_versions) {
        out.push_back(std::string(version));
    }
    return out;
}

/// `{}`, for absent params. Rationale: a client's params are read in place, never copied, as a
/// copy of a deeply nested value recurses as deep as it nests.
const json& empty_object() {
    static const json empty = json::object();
    return empty;
}

/// The version a 2026-07-28 (stateless) request names in `params._meta`, if it names one.
std::optional<json> stateless_version(const json& params) {
    const auto meta = params.find("_meta");
    if (meta == params.end() || !meta->is_object()) {
        return std::nullopt;
    }
    const auto version = meta->find(k_meta_version);
    if (version == meta->end() || !version->is_string()) {
        return std::nullopt;
    }
    return *version;
}

/// A tool result carrying text, marked as an error.
json error_result(const std::string& text) {
    return {{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", true}};
}

/// The text a model reads for a JSON-RPC error the sidecar answered.
std::string sidecar_error_text(const json& error) {
    const auto message = error.find("message");
    std::string text = message != error.end() && message->is_string()
                           ? message->get<std::string>()
                           : std::string("the sidecar answered an error");
    if (const auto code = error.find("code"); code != error.end() && code->is_number_integer()) {
        text += " (sidecar error " + std::to_string(code->get<std::int64_t>()) + ")";
    }
    if (const auto data = error.find("data"); data != error.end() && !data->is_null()) {
        text += "; details: " + data->dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return text;
}

} // namespace

std::span<const std::string_view> supported_versions() {
    return k_versions;
}

Server::Server(sidecar::Caller& sidecar, ServerInfo info)
    : m_sidecar(sidecar), m_info(std::move(info)) {}

bool Server::at_least(std::string_view version) const {
    // Rationale: versions are ISO dates, so they compare as strings.
    return m_version && std::string_view(*m_version) >= version;
}

std::vector<std::string> Server::handle_line(std::string_view line) {
    if (line.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return {};
    }
    json answer;
    try {
        const json message = json::parse(line, nullptr, false);
        if (message.is_discarded()) {
            answer = error_response(nullptr, rpc_code::parse_error, "parse error: not valid JSON");
        } else {
            answer = handle_message(message);
        }
    } catch (const std::exception& e) {
        util::log(util::LogLevel::error, std::string("mcp: internal error: ") + e.what());
        answer = error_response(nullptr, rpc_code::internal_error, "internal error");
    }
    if (answer.is_null()) {
        return {};
    }
    return {answer.dump(-1, ' ', false, json::error_handler_t::replace)};
}

json Server::handle_message(const json& message) {
    if (message.is_array()) {
        // Rationale: MCP 2025-06-18 removed JSON-RPC batches, and a batch answer (an array)
        // is no MCP message, so a batch is refused whole.
        return error_response(nullptr, rpc_code::invalid_request,
                              "invalid request: batches are not supported");
    }
    if (!message.is_object()) {
        return error_response(nullptr, rpc_code::invalid_request,
                              "invalid request: expected a JSON object");
    }
    const auto id = message.find("id");
    const auto method = message.find("method");
    if (method == message.end() && (message.contains("result") || message.contains("error"))) {
        // A response: this server sends no requests, so there is nothing it could answer.
        return nullptr;
    }
    if (id != message.end() && !valid_id(*id)) {
        return error_response(nullptr, rpc_code::invalid_request,
                              "invalid request: id must be a string or an integer");
    }
    const json reply_id = id != message.end() ? *id : json(nullptr);
    if (const auto version = message.find("jsonrpc");
        version == message.end() || *version != "2.0") {
        return error_response(reply_id, rpc_code::invalid_request,
                              "invalid request: jsonrpc must be \"2.0\"");
    }
    if (method == message.end() || !method->is_string()) {
        return error_response(reply_id, rpc_code::invalid_request,
                              "invalid request: method must be a string");
    }
    const auto& name = method->get_ref<const std::string&>();
    if (id == message.end()) {
        handle_notification(name);
        return nullptr;
    }
    const json* params = &empty_object();
    if (const auto p = message.find("params"); p != message.end() && !p->is_null()) {
        if (!p->is_object()) {
            return error_response(reply_id, rpc_code::invalid_params,
                                  "invalid params: params must be an object");
        }
        params = &*p;
    }
    return handle_request(reply_id, name, *params);
}

void Server::handle_notification(const std::string& method) {
    if (method == "notifications/initialized") {
        m_client_ready = m_version.has_value();
    }
    // Anything else (notifications/cancelled, progress, roots changes) needs nothing: each
    // request is answered before the next line is read, so there is nothing left to cancel.
}

json Server::handle_request(const json& id, const std::string& method, const json& params) {
    if (method == "ping") {
        return result_response(id, json::object());
    }
    if (!m_version) {
        if (method == "initialize") {
            return initialize(id, params);
        }
        // A 2026-07-28 client skips initialize and names its version in every request; it
        // learns from -32022 which versions to initialize with instead.
        if (const auto version = stateless_version(params);
            version && !supported(version->get_ref<const std::string&>())) {
            return error_response(id, mcp_code::unsupported_protocol_version,
                                  "unsupported protocol version",
                                  {{"requested", *version}, {"supported", supported_list()}});
        }
        return error_response(id, rpc_code::invalid_request,
                              "the session is not initialized: send initialize first");
    }
    if (method == "initialize") {
        return error_response(id, rpc_code::invalid_request, "the session is already initialized");
    }
    if (method == "tools/list") {
        return list_tools(id, params);
    }
    if (method == "tools/call") {
        return call_tool(id, params);
    }
    return error_response(id, rpc_code::method_not_found, "method not found: " + echo(method));
}

json Server::initialize(const json& id, const json& params) {
    const auto requested = params.find("protocolVersion");
    if (requested == params.end() || !requested->is_string()) {
        return error_response(id, rpc_code::invalid_params,
                              "invalid params: protocolVersion must be a string");
    }
    const auto& wanted = requested->get_ref<const std::string&>();
    m_version = supported(wanted) ? wanted : std::string(k_versions.front());
    json server_info = {{"name", m_info.name}, {"version", m_info.version}};
    if (at_least(k_structured_since)) {
        server_info["title"] = "forgebot forge tools";
    }
    std::string client = "a client";
    if (const auto info = params.find("clientInfo"); info != params.end() && info->is_object()) {
        if (const auto n = info->find("name"); n != info->end() && n->is_string()) {
            client = echo(n->get<std::string>());
        }
    }
    util::log(util::LogLevel::info, "mcp: " + client + " initialized the session with protocol " +
                                        *m_version +
                                        (supported(wanted) ? "" : " (asked " + echo(wanted) + ")"));
    return result_response(id, {{"protocolVersion", *m_version},
                                {"capabilities", {{"tools", {{"listChanged", false}}}}},
                                {"serverInfo", std::move(server_info)},
                                {"instructions", k_instructions}});
}

json Server::list_tools(const json& id, const json& params) const {
    if (params.contains("cursor")) {
        // Every tool fits on the first page, so no cursor was ever handed out.
        return error_response(id, rpc_code::invalid_params, "invalid cursor");
    }
    json tools = json::array();
    for (const auto& tool : forge_tools()) {
        json entry = {{"name", tool.name},
                      {"description", tool.description},
                      {"inputSchema", tool.input_schema}};
        if (at_least(k_structured_since)) {
            entry["title"] = tool.title;
            entry["outputSchema"] = tool.output_schema;
        }
        if (at_least(k_annotations_since)) {
            entry["annotations"] = tool.annotations;
        }
        tools.push_back(std::move(entry));
    }
    return result_response(id, {{"tools", std::move(tools)}});
}

json Server::call_tool(const json& id, const json& params) {
    const auto name = params.find("name");
    if (name == params.end() || !name->is_string()) {
        return error_response(id, rpc_code::invalid_params,
                              "invalid params: name must be a string");
    }
    const Tool* tool = find_tool(name->get<std::string>());
    if (tool == nullptr) {
        return error_response(id, rpc_code::invalid_params,
                              "unknown tool: " + echo(name->get<std::string>()));
    }
    const json* arguments = &empty_object();
    if (const auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
        if (!a->is_object()) {
            return error_response(id, rpc_code::invalid_params,
                                  "invalid params: arguments must be an object");
        }
        arguments = &*a;
    }
    const auto checked = check_arguments(tool->input_schema, *arguments);
    if (!checked.problem.empty()) {
        const std::string text = "invalid arguments for " + tool->name + ": " + checked.problem;
        if (at_least(k_argument_results_since)) {
            return result_response(id, error_result(text));
        }
        return error_response(id, rpc_code::invalid_params, text);
    }

    sidecar::CallReply reply;
    try {
        reply = m_sidecar.call(tool->method, checked.params);
    } catch (const Error& e) {
        util::log(util::LogLevel::warn, std::string("mcp: ") + tool->name + ": " + e.what());
        return result_response(id, error_result(e.what()));
    }
    if (!reply.result) {
        return result_response(id, error_result(sidecar_error_text(reply.error)));
    }
    json structured = *reply.result;
    if (!tool->result_key.empty()) {
        structured = {{tool->result_key, std::move(structured)}};
    }
    json result = {
        {"content", json::array({{{"type", "text"},
                                  {"text", structured.dump(-1, ' ', false,
                                                           json::error_handler_t::replace)}}})}};
    if (at_least(k_structured_since) && structured.is_object()) {
        result["structuredContent"] = std::move(structured);
    }
    return result_response(id, std::move(result));
}

} // namespace forgebot::mcp
