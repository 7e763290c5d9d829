// The HTTP machinery both forge clients share: URLs, auth headers, retries, errors, JSON, pages.
#pragma once

#include "forge/client.hpp"
#include "forge/forge_error.hpp"
#include "forge/http.hpp"
#include "forge/retry.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forgebot::forge {

/// Percent-encodes every byte but RFC 3986 unreserved characters, for one path segment or one
/// query value.
std::string url_escape(std::string_view text);

/// The target of the `rel="next"` entry of an HTTP Link header, if there is one.
std::optional<std::string> link_next(std::string_view link_header);

/// How a list endpoint pages.
enum class Paging {
    /// `page`/`limit` query parameters. Stops at a Link header without a next entry, at
    /// X-Total-Count, at an empty or short page, or at a page with nothing new (an endpoint that
    /// ignores paging answers everything every time).
    gitea,
    /// `per_page=100`, then the Link header's next entry to the end.
    github,
};

/// Sends requests for one forge client and turns answers into JSON or ForgeError.
/// Thread-safe when the transport and the sleep function are.
class RestClient {
public:
    /// Validates `config` and keeps what requests need. `headers` go on every request (the
    /// caller adds Authorization there); `api_hint` completes the HTML error's question
    /// "is the API URL the API base (...)?". Throws forgebot::Error (usage) as make_forge does.
    RestClient(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport,
               std::vector<std::pair<std::string, std::string>> headers, std::string api_hint);

    /// `/repos/{owner}/{repo}`, each part escaped.
    const std::string& repo_path() const noexcept { return m_repo_path; }

    /// `gitea`, `forgejo` or `github`, the prefix of every message.
    std::string_view forge_name() const noexcept { return m_forge_name; }

    /// Sends `method` to the API base + `path` (which starts with `/` and may hold a query) with
    /// `body` as JSON, and returns the final answer whatever its status. Only GETs are retried:
    /// on 429, 502, 503, 504, a rate-limited 403 and `unavailable` transport failures, up to
    /// max_attempts, waiting Retry-After (or the rate-limit reset) when given, else backoff;
    /// when the forge asks for a wait longer than max_delay the answer is returned at once.
    /// Throws ForgeError for transport failures.
    HttpResponse exchange(std::string_view method, const std::string& path,
                          const nlohmann::json* body = nullptr);

    /// exchange() that requires a 2xx answer and returns its JSON body (null when empty).
    /// Throws ForgeError built by status_error() or parse_json().
    nlohmann::json call(std::string_view method, const std::string& path,
                        const nlohmann::json* body = nullptr);

    /// Every element of a JSON list endpoint, across all its pages; `path` may hold a query.
    /// Elements with an `id` already seen are dropped. Throws ForgeError.
    std::vector<nlohmann::json> get_all(const std::string& path, Paging paging);

    /// The error for a non-2xx answer: the code from errc_for_status, the message
    /// `<forge> <METHOD> <path>: <status> <reason>[: <forge message>]`, Retry-After attached.
    ForgeError status_error(std::string_view method, std::string_view path,
                            const HttpResponse& response) const;

    /// An error about one request, message `<forge> <METHOD> <path>: <detail>`, with any
    /// occurrence of the token replaced by `***`.
    ForgeError error(Errc code, std::string_view method, std::string_view path,
                     std::string_view detail, int http_status = 0, std::string forge_message = {},
                     std::optional<std::chrono::seconds> retry_after = std::nullopt) const;

    /// The JSON body of an answer (null when empty). Throws ForgeError (bad_response) for HTML,
    /// text that is not JSON and truncated JSON.
    nlohmann::json parse_json(std::string_view method, std::string_view path,
                              const HttpResponse& response) const;

    /// `<forge> <METHOD> <path>`, the prefix of messages about this request.
    std::string context(std::string_view method, std::string_view path) const;

private:
    std::chrono::milliseconds next_backoff(int retry);
    std::string redact(std::string text) const;
    std::string relative_link(std::string_view method, std::string_view path,
                              const std::string& url) const;

    std::string m_forge_name;
    std::string m_base;
    std::string m_repo_path;
    std::string m_token;
    std::string m_api_hint;
    std::vector<std::pair<std::string, std::string>> m_headers;
    std::shared_ptr<HttpTransport> m_transport;
    RetryPolicy m_retry;
    std::function<void(std::chrono::milliseconds)> m_sleep;
    std::mutex m_rng_mutex;
    std::minstd_rand m_rng;
};

} // namespace forgebot::forge
