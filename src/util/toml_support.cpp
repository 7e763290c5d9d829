// TOML parsing and the file:line:key wording of its errors.
#include "util/toml_support.hpp"

#include "util/duration.hpp"
#include "util/error.hpp"
#include "util/suggest.hpp"
#include "util/text.hpp"

#include <optional>

namespace forgebot::util {

namespace {

/// `text` with its first letter lowercased, for library messages ("Error while ...").
std::string lowercase_first(std::string_view text) {
    std::string out(text);
    if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') {
        out[0] = static_cast<char>(out[0] - 'A' + 'a');
    }
    return out;
}

} // namespace

toml::table parse_toml(std::string_view text, const std::string& display) {
    try {
        return toml::parse(text, display);
    } catch (const toml::parse_error& err) {
        const auto& begin = err.source().begin;
        throw Error(Errc::invalid_input, display + ":" + std::to_string(begin.line) + ":" +
                                             std::to_string(begin.column) + ": invalid TOML: " +
                                             lowercase_first(err.description()));
    }
}

std::string describe_toml(const toml::node& node) {
    if (const auto* s = node.as_string()) {
        return quote_text(s->get());
    }
    if (const auto* i = node.as_integer()) {
        return std::to_string(i->get());
    }
    if (const auto* b = node.as_boolean()) {
        return b->get() ? "true" : "false";
    }
    switch (node.type()) {
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return "a date or time";
    default:
        return "a value";
    }
}

void fail_toml_key(const std::string& display, const toml::source_region& where,
                   std::string_view key, const std::string& problem) {
    throw Error(Errc::invalid_input, display + ":" + std::to_string(where.begin.line) + ": key '" +
                                         std::string(key) + "': " + problem);
}

void fail_unknown_toml_key(const std::string& display, const toml::key& key,
                           const std::vector<std::string>& known, std::string_view context) {
    std::string problem = "unknown key '" + std::string(key.str()) + "'" + std::string(context);
    if (auto guess = closest(key.str(), known)) {
        problem += " (did you mean '" + *guess + "'?)";
    }
    throw Error(Errc::invalid_input,
                display + ":" + std::to_string(key.source().begin.line) + ": " + problem);
}

std::string toml_non_empty_string(const std::string& display, std::string_view key,
                                  const toml::node& node) {
    const auto* text = node.as_string();
    if (text == nullptr || text->get().empty()) {
        fail_toml_key(display, node.source(), key,
                      "expected a non-empty string, got " + describe_toml(node));
    }
    return text->get();
}

std::vector<std::string> toml_string_array(const std::string& display, std::string_view key,
                                           const toml::node& node) {
    const auto* array = node.as_array();
    if (array == nullptr) {
        fail_toml_key(display, node.source(), key,
                      "expected an array of strings, got " + describe_toml(node));
    }
    std::vector<std::string> out;
    for (const auto& element : *array) {
        const auto* text = element.as_string();
        if (text == nullptr) {
            fail_toml_key(display, element.source(), key,
                          "expected an array of strings, got " + describe_toml(element) + " in it");
        }
        out.push_back(text->get());
    }
    return out;
}

std::chrono::seconds toml_duration(const std::string& display, std::string_view key,
                                   const toml::node& node) {
    std::optional<std::chrono::seconds> duration;
    if (const auto* text = node.as_string()) {
        duration = parse_duration(text->get());
    } else if (const auto* number = node.as_integer()) {
        duration = std::chrono::seconds{number->get()};
    }
    if (!duration || duration->count() <= 0) {
        fail_toml_key(display, node.source(), key,
                      "expected a duration like \"30m\", got " + describe_toml(node));
    }
    return *duration;
}

} // namespace forgebot::util
