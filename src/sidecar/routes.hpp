// The sidecar's HTTP surface: POST /rpc, GET /health, and the status codes for everything else.
#pragma once

#include "sidecar/service.hpp"
#include "util/http_server.hpp"

#include <functional>

namespace forgebot::sidecar {

/// Runs a task on a thread that may block.
using BlockingExecutor = std::function<void(std::function<void()>)>;

/// The request handler for the sidecar's util::UnixHttpServer: answers cheap requests (health,
/// ping, malformed bodies) on the I/O thread and hands those that call blocking methods to
/// `run_blocking`.
util::HttpHandler make_handler(const Service& service, BlockingExecutor run_blocking);

/// Answers one request synchronously, exactly as make_handler would (for tests and fuzzing).
util::HttpResponse answer(const Service& service, const util::HttpRequest& request);

} // namespace forgebot::sidecar
