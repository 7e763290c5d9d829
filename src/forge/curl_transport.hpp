// The libcurl HttpTransport: TLS verified, no redirects, bounded time and size.
#pragma once

#include "forge/http.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

namespace forgebot::forge {

/// The largest response body accepted, in bytes (64 MiB).
inline constexpr std::size_t k_max_response_bytes = std::size_t{64} * 1024 * 1024;

/// An HttpTransport over one reused libcurl easy handle (so connections are kept alive).
/// TLS peer and host verification stay on; `FORGEBOT_CA_FILE`, when set, names the CA bundle;
/// proxies come from the environment as curl reads them; redirects are never followed; requests
/// carry `User-Agent: forgebot`; bodies above k_max_response_bytes fail with bad_response.
/// libcurl is loaded, and the handle made, on the first send(), which throws ForgeError
/// (unavailable) when that fails. Thread-safe: concurrent send() calls are serialised.
class CurlTransport final : public HttpTransport {
public:
    /// When `unix_socket` is not empty every request goes to that Unix-domain socket instead of
    /// the URL's host (the URL still gives the path and Host header; no proxy is used), which is
    /// how `forgebot call` reaches the sidecar. Does not touch libcurl.
    CurlTransport(std::chrono::milliseconds connect_timeout,
                  std::chrono::milliseconds total_timeout, std::string unix_socket = {});
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    HttpResponse send(const HttpRequest& request) override;

private:
    struct Handle;

    std::mutex m_mutex;
    std::unique_ptr<Handle> m_handle;
    std::chrono::milliseconds m_connect_timeout;
    std::chrono::milliseconds m_total_timeout;
};

} // namespace forgebot::forge
