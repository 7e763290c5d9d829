// Small string helpers shared by the layers that word messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace forgebot::util {

/// `text` with every occurrence of `from` replaced by `to`, left to right, never rescanning a
/// replacement. An empty `from` leaves `text` as it is.
std::string replace_all(std::string text, std::string_view from, std::string_view to);

/// `text` with every occurrence of `secret` replaced by `***` (nothing when `secret` is empty).
inline std::string redact(std::string text, std::string_view secret) {
    return replace_all(std::move(text), secret, "***");
}

/// `text` as a double-quoted, JSON-escaped string (invalid UTF-8 replaced), for quoting user
/// input in messages: `"a \"b\""`.
std::string quote_text(std::string_view text);

/// `items` with `separator` between each pair: `join({"a", "b"}, ", ")` is `"a, b"`.
std::string join(const std::vector<std::string>& items, std::string_view separator);

} // namespace forgebot::util
