// The error every forge call throws: forgebot::Error plus the HTTP status and the forge's own
// words.
#pragma once

#include "util/error.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace forgebot::forge {

/// A failed forge call. what() is the one-line, user-facing message
/// (`gitea GET /repos/o/r/issues/5: 404 not found: issue does not exist`); it never holds the
/// token.
class ForgeError : public forgebot::Error {
public:
    /// `http_status` is 0 when no HTTP answer arrived (connection failure, timeout).
    ForgeError(Errc code, const std::string& message, int http_status = 0,
               std::string forge_message = {},
               std::optional<std::chrono::seconds> retry_after = std::nullopt);

    /// The HTTP status the forge answered, 0 for transport failures.
    int http_status() const noexcept { return m_http_status; }

    /// The forge's own explanation (the `message` field of its JSON error body), one line of at
    /// most 300 bytes; empty when it gave none.
    const std::string& forge_message() const noexcept { return m_forge_message; }

    /// How long the forge asked us to wait (Retry-After, or GitHub's rate-limit reset), if it did.
    std::optional<std::chrono::seconds> retry_after() const noexcept { return m_retry_after; }

private:
    int m_http_status;
    std::string m_forge_message;
    std::optional<std::chrono::seconds> m_retry_after;
};

/// The longest forge_message() kept, in bytes.
inline constexpr std::size_t k_max_forge_message = 300;

/// The error code for a non-2xx HTTP status: 401 unauthorized, 403 forbidden (rate_limited when
/// `rate_limited` says the forge's rate-limit headers are exhausted), 404 not_found,
/// 429 rate_limited, 5xx server_error, anything else failure.
Errc errc_for_status(int status, bool rate_limited) noexcept;

/// The lowercase reason phrase of a status (`"not found"`); `"unexpected status"` for ones not
/// listed.
std::string_view reason_phrase(int status) noexcept;

/// The forge's explanation inside an error body: the `message` field of a JSON object, followed by
/// the messages of its `errors` array (GitHub's validation details); for a plain-text body its
/// text; empty for HTML and empty bodies. Always one line of at most k_max_forge_message bytes.
std::string forge_message_from_body(std::string_view body);

/// `text` as one line: whitespace runs (newlines included) become one space, the ends are trimmed,
/// and text longer than `max_bytes` is cut on a UTF-8 boundary and ends in "...".
std::string one_line(std::string_view text, std::size_t max_bytes);

/// True when `body` (after leading whitespace) looks like an HTML document.
bool looks_like_html(std::string_view body) noexcept;

} // namespace forgebot::forge
