// Requests, retries and answers for the forge clients; the one place HTTP turns into ForgeError.
#include "forge/rest_client.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>
#include <thread>

namespace forgebot::forge {

namespace {

/// Gitea's default and usual maximum page size (MAX_RESPONSE_ITEMS).
constexpr int k_gitea_page_size = 50;
/// GitHub's maximum page size.
constexpr int k_github_page_size = 100;
/// A list longer than this many pages is treated as a forge bug rather than read forever.
constexpr int k_max_pages = 1000;

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

/// `url` with any `user:password@` part masked, for echoing configuration back.
std::string without_userinfo(std::string url) {
    const auto scheme_end = url.find("://");
    const auto authority_begin = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    const auto authority_end = url.find_first_of("/?#", authority_begin);
    const auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
    if (at != std::string::npos && at >= authority_begin) {
        url.replace(authority_begin, at - authority_begin, "***");
    }
    return url;
}

bool is_success(int status) noexcept {
    return status >= 200 && status <= 299;
}

/// GitHub signals an exhausted rate limit on 403 with these headers.
bool rate_limit_exhausted(const HttpResponse& response) {
    const auto remaining = response.header("x-ratelimit-remaining");
    return (remaining && *remaining == "0") || response.header("retry-after").has_value();
}

/// How long the forge asked us to wait, from Retry-After or an exhausted rate limit's reset time.
std::optional<std::chrono::seconds> requested_wait(const HttpResponse& response) {
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    if (const auto value = response.header("retry-after")) {
        if (auto wait = parse_retry_after(*value, now)) {
            return wait;
        }
    }
    const auto remaining = response.header("x-ratelimit-remaining");
    const auto reset = response.header("x-ratelimit-reset");
    if (remaining && *remaining == "0" && reset) {
        std::int64_t epoch = 0;
        const auto [end, ec] = std::from_chars(reset->data(), reset->data() + reset->size(), epoch);
        if (ec == std::errc() && end == reset->data() + reset->size()) {
            return std::max(std::chrono::seconds{epoch} - now.time_since_epoch(),
                            std::chrono::seconds{0});
        }
    }
    return std::nullopt;
}

bool worth_retrying(const HttpResponse& response) {
    switch (response.status) {
    case 429:
    case 502:
    case 503:
    case 504:
        return true;
    case 403:
        return rate_limit_exhausted(response);
    default:
        return false;
    }
}

std::string_view json_type_name(const nlohmann::json& value) {
    if (value.is_object()) {
        return "an object";
    }
    if (value.is_array()) {
        return "a list";
    }
    if (value.is_string()) {
        return "a string";
    }
    if (value.is_null()) {
        return "nothing";
    }
    return "a scalar";
}

} // namespace

std::string url_escape(std::string_view text) {
    static constexpr std::string_view k_hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved) {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += k_hex[byte >> 4U];
            out += k_hex[byte & 0x0FU];
        }
    }
    return out;
}

std::optional<std::string> link_next(std::string_view link_header) {
    std::size_t pos = 0;
    while (true) {
        const auto open = link_header.find('<', pos);
        if (open == std::string_view::npos) {
            return std::nullopt;
        }
        const auto close = link_header.find('>', open + 1);
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        const auto target = link_header.substr(open + 1, close - open - 1);
        const auto next_entry = link_header.find('<', close + 1);
        std::string params(link_header.substr(close + 1, next_entry == std::string_view::npos
                                                             ? std::string_view::npos
                                                             : next_entry - close - 1));
        for (char& c : params) {
            c = ascii_lower(c);
        }
        // rel may be quoted and may hold several space-separated relation types.
        if (const auto rel = params.find("rel="); rel != std::string::npos) {
            auto value = std::string_view(params).substr(rel + 4);
            if (!value.empty() && value.front() == '"') {
                value.remove_prefix(1);
                value = value.substr(0, value.find('"'));
            } else {
                value = value.substr(0, value.find_first_of(";, "));
            }
            std::size_t word = 0;
            while (word < value.size()) {
                const auto space = value.find(' ', word);
                const auto token = value.substr(
                    word, space == std::string_view::npos ? std::string_view::npos : space - word);
                if (token == "next") {
                    return std::string(target);
                }
                if (space == std::string_view::npos) {
                    break;
                }
                word = space + 1;
            }
        }
        if (next_entry == std::string_view::npos) {
            return std::nullopt;
        }
        pos = next_entry;
    }
}

RestClient::RestClient(const ForgeConfig& config, std::shared_ptr<HttpTransport> transport,
                       std::vector<std::pair<std::string, std::string>> headers,
                       std::string api_hint)
    : m_forge_name(to_string(config.kind)), m_base(config.api_url), m_token(config.token),
      m_api_hint(std::move(api_hint)), m_headers(std::move(headers)),
      m_transport(std::move(transport)), m_retry(config.retry), m_sleep(config.sleep),
      m_rng(std::random_device{}()) {
    const auto shown_url = [&] {
        return redact(without_userinfo(config.api_url));
    };
    if (!istarts_with(m_base, "http://") && !istarts_with(m_base, "https://")) {
        throw Error(Errc::usage, "forge URL '" + shown_url() + "' is not HTTP(S)");
    }
    while (m_base.ends_with('/')) {
        m_base.pop_back();
    }
    if (m_base.find("://") + 3 >= m_base.size()) {
        throw Error(Errc::usage, "forge URL '" + shown_url() + "' has no host");
    }
    if (m_base.find_first_of(" \t\r\n") != std::string::npos) {
        throw Error(Errc::usage, "forge URL '" + shown_url() + "' contains whitespace");
    }
    if (config.owner.empty()) {
        throw Error(Errc::usage, "forge repository owner is empty");
    }
    if (config.repo.empty()) {
        throw Error(Errc::usage, "forge repository name is empty");
    }
    if (config.token.find_first_of("\r\n") != std::string::npos ||
        config.token.find('\0') != std::string::npos) {
        throw Error(Errc::usage, "forge token contains a line break");
    }
    if (!m_transport) {
        throw Error(Errc::usage, "forge client created without a transport");
    }
    if (!m_sleep) {
        m_sleep = [](std::chrono::milliseconds delay) {
            std::this_thread::sleep_for(delay);
        };
    }
    m_retry.max_attempts = std::max(m_retry.max_attempts, 1);
    m_repo_path = "/repos/" + url_escape(config.owner) + "/" + url_escape(config.repo);
}

std::string RestClient::context(std::string_view method, std::string_view path) const {
    std::string out = m_forge_name;
    out.append(" ").append(method).append(" ").append(path);
    return out;
}

std::string RestClient::redact(std::string text) const {
    // Rationale: a token shorter than this would mask ordinary words and says nothing anyway.
    constexpr std::size_t k_min_redacted = 4;
    if (m_token.size() < k_min_redacted) {
        return text;
    }
    return util::redact(std::move(text), m_token);
}

ForgeError RestClient::error(Errc code, std::string_view method, std::string_view path,
                             std::string_view detail, int http_status, std::string forge_message,
                             std::optional<std::chrono::seconds> retry_after) const {
    std::string message = context(method, path);
    message.append(": ").append(detail);
    // Rationale: redact before cutting, or a cut could leave a prefix of the token behind.
    return ForgeError(code, one_line(redact(std::move(message)), 1000), http_status,
                      redact(std::move(forge_message)), retry_after);
}

ForgeError RestClient::status_error(std::string_view method, std::string_view path,
                                    const HttpResponse& response) const {
    const int status = response.status;
    const auto reason = reason_phrase(status);
    std::string forge_message = forge_message_from_body(redact(response.body));
    if (status >= 300 && status <= 399) {
        if (const auto location = response.header("location")) {
            forge_message =
                one_line(redact("redirected to " + std::string(*location)), k_max_forge_message);
        }
    }
    std::string detail = std::to_string(status) + " " + std::string(reason);
    if (!forge_message.empty() && !iequals(forge_message, reason)) {
        detail += ": " + forge_message;
    }
    if (status == 404 && looks_like_html(response.body)) {
        // A web page instead of an API error: most likely the URL misses the API path.
        detail +=
            ": forge answered an HTML page: is the API URL the API base (" + m_api_hint + ")?";
    }
    return error(errc_for_status(status, rate_limit_exhausted(response)), method, path, detail,
                 status, std::move(forge_message), requested_wait(response));
}

nlohmann::json RestClient::parse_json(std::string_view method, std::string_view path,
                                      const HttpResponse& response) const {
    const std::string& body = response.body;
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return nullptr;
    }
    const auto content_type = response.header("content-type");
    if (looks_like_html(body) || (content_type && istarts_with(*content_type, "text/html"))) {
        throw error(Errc::bad_response, method, path,
                    "forge answered HTML, not JSON: is the API URL the API base (" + m_api_hint +
                        ")?",
                    response.status);
    }
    try {
        return nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
        if (e.byte >= body.size()) {
            throw error(Errc::bad_response, method, path,
                        "forge answered truncated JSON (" + std::to_string(body.size()) + " bytes)",
                        response.status);
        }
        throw error(Errc::bad_response, method, path,
                    "forge answered something that is not JSON: " + one_line(redact(body), 80),
                    response.status);
    }
}

std::chrono::milliseconds RestClient::next_backoff(int retry) {
    double jitter = 0.0;
    {
        const std::lock_guard lock(m_rng_mutex);
        jitter = std::uniform_real_distribution<double>(0.0, 1.0)(m_rng);
    }
    return backoff_delay(m_retry, retry, jitter);
}

HttpResponse RestClient::exchange(std::string_view method, const std::string& path,
                                  const nlohmann::json* body) {
    HttpRequest request{std::string(method), m_base + path, m_headers, {}};
    if (body != nullptr) {
        // Rationale: agent-written text may hold invalid UTF-8; replace it rather than throw.
        request.body = body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        request.headers.emplace_back("Content-Type", "application/json");
    }
    // Rationale: only GET is idempotent. A write that timed out or got a 5xx may have been
    // applied, and repeating it would post a comment twice; the caller decides.
    const int attempts = method == "GET" ? m_retry.max_attempts : 1;
    for (int attempt = 1;; ++attempt) {
        HttpResponse response;
        try {
            response = m_transport->send(request);
        } catch (const ForgeError& e) {
            if (attempt >= attempts || e.code() != Errc::unavailable) {
                throw error(e.code(), method, path, e.what());
            }
            m_sleep(next_backoff(attempt));
            continue;
        }
        if (attempt >= attempts || !worth_retrying(response)) {
            return response;
        }
        const auto wait = requested_wait(response);
        if (wait && *wait > m_retry.max_delay) {
            return response;
        }
        if (wait && *wait > std::chrono::seconds{0}) {
            m_sleep(std::chrono::duration_cast<std::chrono::milliseconds>(*wait));
        } else {
            m_sleep(next_backoff(attempt));
        }
    }
}

nlohmann::json RestClient::call(std::string_view method, const std::string& path,
                                const nlohmann::json* body) {
    const HttpResponse response = exchange(method, path, body);
    if (!is_success(response.status)) {
        throw status_error(method, path, response);
    }
    return parse_json(method, path, response);
}

std::string RestClient::relative_link(std::string_view method, std::string_view path,
                                      const std::string& url) const {
    // Rationale: the token goes wherever the link points, so follow links under the base only.
    if (istarts_with(url, m_base) &&
        (url.size() == m_base.size() || url[m_base.size()] == '/' || url[m_base.size()] == '?')) {
        std::string rest = url.substr(m_base.size());
        return rest.empty() || rest.front() != '/' ? "/" + rest : rest;
    }
    if (url.starts_with("/") && !url.starts_with("//")) {
        const auto host_end = m_base.find('/', m_base.find("://") + 3);
        const std::string base_path = host_end == std::string::npos ? "" : m_base.substr(host_end);
        if (url.starts_with(base_path)) {
            return url.substr(base_path.size());
        }
    }
    throw error(Errc::bad_response, method, path,
                "forge's next-page link '" + without_userinfo(url) +
                    "' leaves the API base; refusing to send the token there");
}

std::vector<nlohmann::json> RestClient::get_all(const std::string& path, Paging paging) {
    std::vector<nlohmann::json> items;
    std::set<std::int64_t> seen;
    const char separator = path.find('?') == std::string::npos ? '?' : '&';
    std::string next = paging == Paging::github
                           ? path + separator + "per_page=" + std::to_string(k_github_page_size)
                           : std::string{};
    for (int page = 1;; ++page) {
        if (page > k_max_pages) {
            throw error(Errc::bad_response, "GET", path,
                        "list continues past " + std::to_string(k_max_pages) + " pages");
        }
        const std::string page_path = paging == Paging::github
                                          ? next
                                          : path + separator + "page=" + std::to_string(page) +
                                                "&limit=" + std::to_string(k_gitea_page_size);
        const HttpResponse response = exchange("GET", page_path);
        if (!is_success(response.status)) {
            throw status_error("GET", page_path, response);
        }
        const nlohmann::json list = parse_json("GET", page_path, response);
        if (!list.is_array()) {
            throw error(Errc::bad_response, "GET", page_path,
                        "forge answered " + std::string(json_type_name(list)) +
                            " where a list was expected",
                        response.status);
        }
        std::size_t added = 0;
        for (const auto& item : list) {
            if (item.is_object()) {
                if (const auto id = item.find("id"); id != item.end() && id->is_number_integer()) {
                    if (!seen.insert(id->get<std::int64_t>()).second) {
                        continue;
                    }
                }
            }
            items.push_back(item);
            ++added;
        }
        if (list.empty() || added == 0) {
            return items;
        }
        const auto link = response.header("link");
        const auto link_target = link ? link_next(*link) : std::nullopt;
        if (paging == Paging::github) {
            if (!link_target) {
                return items;
            }
            next = relative_link("GET", page_path, *link_target);
            continue;
        }
        // Gitea: the Link header is authoritative when present; we build the next page
        // ourselves. Rationale: Gitea writes Link from its configured ROOT_URL, which is often
        // not the URL we reach it by.
        if (link) {
            if (!link_target) {
                return items;
            }
            continue;
        }
        if (const auto total = response.header("x-total-count")) {
            std::size_t count = 0;
            const auto [end, ec] =
                std::from_chars(total->data(), total->data() + total->size(), count);
            if (ec == std::errc() && end == total->data() + total->size()) {
                if (items.size() >= count) {
                    return items;
                }
                continue;
            }
        }
        if (list.size() < static_cast<std::size_t>(k_gitea_page_size)) {
            return items;
        }
    }
}

} // namespace forgebot::forge
