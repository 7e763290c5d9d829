// Forge error construction: HTTP status classification and the forge's own error text.
#include "forge/forge_error.hpp"

#include <nlohmann/json.hpp>
#include <utility>

namespace forgebot::forge {

ForgeError::ForgeError(Errc code, const std::string& message, int http_status,
                       std::string forge_message, std::optional<std::chrono::seconds> retry_after)
    : Error(code, message), m_http_status(http_status), m_forge_message(std::move(forge_message)),
      m_retry_after(retry_after) {}

Errc errc_for_status(int status, bool rate_limited) noexcept {
    switch (status) {
    case 401:
        return Errc::unauthorized;
    case 403:
        return rate_limited ? Errc::rate_limited : Errc::forbidden;
    case 404:
        return Errc::not_found;
    case 429:
        return Errc::rate_limited;
    default:
        break;
    }
    if (status >= 500 && status <= 599) {
        return Errc::server_error;
    }
    return Errc::failure;
}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 200:
        return "ok";
    case 201:
        return "created";
    case 204:
        return "no content";
    case 301:
        return "moved permanently";
    case 302:
        return "found";
    case 303:
        return "see other";
    case 304:
        return "not modified";
    case 307:
        return "temporary redirect";
    case 308:
        return "permanent redirect";
    case 400:
        return "bad request";
    case 401:
        return "unauthorized";
    case 403:
        return "forbidden";
    case 404:
        return "not found";
    case 405:
        return "method not allowed";
    case 409:
        return "conflict";
    case 410:
        return "gone";
    case 412:
        return "precondition failed";
    case 413:
        return "content too large";
    case 415:
        return "unsupported media type";
    case 422:
        return "unprocessable entity";
    case 423:
        return "locked";
    case 429:
        return "too many requests";
    case 500:
        return "internal server error";
    case 501:
        return "not implemented";
    case 502:
        return "bad gateway";
    case 503:
        return "service unavailable";
    case 504:
        return "gateway timeout";
    default:
        return "unexpected status";
    }
}

namespace {

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_utf8_continuation(char c) noexcept {
    return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

} // namespace

std::string one_line(std::string_view text, std::size_t max_bytes) {
    std::string out;
    bool pending_space = false;
    for (const char c : text) {
        if (is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) {
            out += ' ';
            pending_space = false;
        }
        out += c;
    }
    if (out.size() <= max_bytes) {
        return out;
    }
    constexpr std::string_view k_ellipsis = "...";
    std::size_t cut = max_bytes > k_ellipsis.size() ? max_bytes - k_ellipsis.size() : 0;
    while (cut > 0 && is_utf8_continuation(out[cut])) {
        --cut;
    }
    out.resize(cut);
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    out += k_ellipsis;
    return out;
}

bool looks_like_html(std::string_view body) noexcept {
    std::size_t i = 0;
    while (i < body.size() && is_space(body[i])) {
        ++i;
    }
    return i < body.size() && body[i] == '<';
}

std::string forge_message_from_body(std::string_view body) {
    if (looks_like_html(body)) {
        return {};
    }
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) {
        return one_line(body, k_max_forge_message);
    }
    if (!json.is_object()) {
        return {};
    }
    std::string text;
    if (const auto it = json.find("message"); it != json.end() && it->is_string()) {
        text = it->get<std::string>();
    }
    // Rationale: GitHub's 422 says only "Validation Failed"; the reason is in errors[].message.
    if (const auto it = json.find("errors"); it != json.end() && it->is_array()) {
        for (const auto& entry : *it) {
            std::string detail;
            if (entry.is_string()) {
                detail = entry.get<std::string>();
            } else if (entry.is_object()) {
                if (const auto m = entry.find("message"); m != entry.end() && m->is_string()) {
                    detail = m->get<std::string>();
                } else if (const auto c = entry.find("code"); c != entry.end() && c->is_string()) {
                    detail = c->get<std::string>();
                }
            }
            if (!detail.empty()) {
                text += text.empty() ? "" : "; ";
                text += detail;
            }
        }
    }
    return one_line(text, k_max_forge_message);
}

} // namespace forgebot::forge
