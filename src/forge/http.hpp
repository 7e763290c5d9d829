// HTTP exchanges as plain values, and the transport interface the forge clients send them through.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forgebot::forge {

/// One HTTP request. `url` is absolute; `body` is sent as is (empty: no body).
struct HttpRequest {
    std::string method;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

/// One HTTP answer, whatever its status.
struct HttpResponse {
    int status = 0;
    /// Header names lowercased; a repeated header's values are joined with ", ".
    std::map<std::string, std::string, std::less<>> headers;
    std::string body;

    /// The value of a header by its lowercase name, if present.
    std::optional<std::string_view> header(std::string_view lowercase_name) const {
        const auto it = headers.find(lowercase_name);
        if (it == headers.end()) {
            return std::nullopt;
        }
        return std::string_view(it->second);
    }
};

/// Sends requests. Implementations return every answer the peer gives (any status) and throw
/// forge::ForgeError (http_status 0) only when no complete answer arrived: `unavailable` for
/// connection failures and timeouts (the message says "timed out"), `bad_response` for truncated
/// or oversized answers. Messages name the failure, not the request (the caller adds that).
class HttpTransport {
public:
    virtual ~HttpTransport() = default;

    /// Performs one exchange; never retries and never follows redirects.
    virtual HttpResponse send(const HttpRequest& request) = 0;
};

} // namespace forgebot::forge
