// What the claude and codex parsers share: a JSON-lines parser base and lenient field access.
#pragma once

#include "agent/provider.hpp"

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace forgebot::agent {

/// A StreamParser for one JSON object per line: a line that is not a JSON object becomes a
/// MalformedEvent; each object goes to parse_event().
class JsonLinesParser : public StreamParser {
protected:
    void parse_line(std::string_view line, std::vector<AgentEvent>& events) final;

    /// Handles one event object; `line` is its raw text, for UnknownEvent.
    virtual void parse_event(const nlohmann::json& event, std::string_view line,
                             std::vector<AgentEvent>& events) = 0;
};

/// How many bytes of a tool's input or output an event keeps.
inline constexpr std::size_t k_summary_bytes = 400;

/// `object[key]` when `object` is an object holding a string there; empty otherwise.
std::string string_field(const nlohmann::json& object, std::string_view key);

/// `object[key]` when it is an integer; std::nullopt otherwise.
std::optional<std::int64_t> integer_field(const nlohmann::json& object, std::string_view key);

/// `object[key]` when it is a number; std::nullopt otherwise.
std::optional<double> number_field(const nlohmann::json& object, std::string_view key);

/// `object[key]` when it is a boolean; std::nullopt otherwise.
std::optional<bool> bool_field(const nlohmann::json& object, std::string_view key);

/// `object[key]` when `object` is an object holding `key`; nullptr otherwise.
const nlohmann::json* field(const nlohmann::json& object, std::string_view key);

/// `value` as text: a string as is, anything else as one line of compact JSON; cut to at most
/// `limit` bytes on a UTF-8 boundary, with `…` appended when cut.
std::string summarize(const nlohmann::json& value, std::size_t limit = k_summary_bytes);

/// `text` cut to at most `limit` bytes on a UTF-8 boundary, with `…` appended when cut.
std::string truncate_utf8(std::string_view text, std::size_t limit = k_summary_bytes);

} // namespace forgebot::agent
