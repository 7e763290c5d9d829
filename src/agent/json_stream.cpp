// The JSON-lines parser base, lenient JSON field access and summaries.
#include "agent/json_stream.hpp"

namespace forgebot::agent {

void JsonLinesParser::parse_line(std::string_view line, std::vector<AgentEvent>& events) {
    const auto event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.is_object()) {
        events.emplace_back(MalformedEvent{std::string(line), "not a JSON object"});
        return;
    }
    parse_event(event, line, events);
}

const nlohmann::json* field(const nlohmann::json& object, std::string_view key) {
    if (!object.is_object()) {
        return nullptr;
    }
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::string string_field(const nlohmann::json& object, std::string_view key) {
    const auto* value = field(object, key);
    return value != nullptr && value->is_string() ? value->get<std::string>() : std::string{};
}

std::optional<std::int64_t> integer_field(const nlohmann::json& object, std::string_view key) {
    const auto* value = field(object, key);
    if (value == nullptr || !value->is_number_integer()) {
        return std::nullopt;
    }
    return value->get<std::int64_t>();
}

std::optional<double> number_field(const nlohmann::json& object, std::string_view key) {
    const auto* value = field(object, key);
    if (value == nullptr || !value->is_number()) {
        return std::nullopt;
    }
    return value->get<double>();
}

std::optional<bool> bool_field(const nlohmann::json& object, std::string_view key) {
    const auto* value = field(object, key);
    if (value == nullptr || !value->is_boolean()) {
        return std::nullopt;
    }
    return value->get<bool>();
}

std::string truncate_utf8(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) {
        return std::string(text);
    }
    std::size_t cut = limit;
    // Back up over continuation bytes (10xxxxxx) so a multi-byte character is never split.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
        --cut;
    }
    return std::string(text.substr(0, cut)) + "\u2026";
}

std::string summarize(const nlohmann::json& value, std::size_t limit) {
    if (value.is_string()) {
        return truncate_utf8(value.get_ref<const std::string&>(), limit);
    }
    return truncate_utf8(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         limit);
}

} // namespace forgebot::agent
