// Routing of sidecar HTTP requests to the JSON-RPC dispatcher.
#include "sidecar/routes.hpp"

#include <memory>

namespace forgebot::sidecar {

using util::HttpHandler;
using util::HttpRequest;
using util::HttpResponse;
using util::Responder;

namespace {

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

HttpResponse status_only(unsigned status, std::string message) {
    HttpResponse response;
    response.status = status;
    response.body = nlohmann::json{{"error", std::move(message)}}.dump();
    return response;
}

HttpResponse method_not_allowed(const char* allow) {
    HttpResponse response = status_only(405, std::string("method not allowed; use ") + allow);
    response.headers.emplace_back("Allow", allow);
    return response;
}

HttpResponse rpc_reply(std::optional<std::string> body) {
    HttpResponse response;
    if (!body) {
        response.status = 204;
        return response;
    }
    response.body = std::move(*body);
    return response;
}

/// The answer for anything but a well-formed POST /rpc body, or std::nullopt for that.
std::optional<HttpResponse> answer_outside_rpc(const Service& service, const HttpRequest& request) {
    const auto path = path_of(request.target);
    if (path == "/health") {
        if (request.method != "GET" && request.method != "HEAD") {
            return method_not_allowed("GET, HEAD");
        }
        HttpResponse response;
        response.body = service.health().dump();
        return response;
    }
    if (path != "/rpc") {
        return status_only(404, "not found; the sidecar serves POST /rpc and GET /health");
    }
    if (request.method != "POST") {
        return method_not_allowed("POST");
    }
    return std::nullopt;
}

} // namespace

HttpResponse answer(const Service& service, const HttpRequest& request) {
    if (auto response = answer_outside_rpc(service, request)) {
        return std::move(*response);
    }
    return rpc_reply(service.dispatcher().handle(std::string_view(request.body)));
}

HttpHandler make_handler(const Service& service, BlockingExecutor run_blocking) {
    return [&service, run_blocking = std::move(run_blocking)](HttpRequest request,
                                                              Responder respond) {
        if (auto response = answer_outside_rpc(service, request)) {
            return respond(std::move(*response));
        }
        auto parsed = std::make_shared<nlohmann::json>();
        try {
            *parsed = nlohmann::json::parse(request.body);
        } catch (const nlohmann::json::exception&) {
            // The dispatcher words the parse error.
            return respond(rpc_reply(service.dispatcher().handle(std::string_view(request.body))));
        }
        if (!service.dispatcher().needs_worker(*parsed)) {
            return respond(rpc_reply(service.dispatcher().handle(*parsed)));
        }
        run_blocking([&service, parsed, respond = std::move(respond)] {
            respond(rpc_reply(service.dispatcher().handle(*parsed)));
        });
    };
}

} // namespace forgebot::sidecar
