// Scanning and expanding argv template placeholders.
#include "agent/placeholder.hpp"

#include <optional>

namespace forgebot::agent {

namespace {

/// The length of the `{word}` placeholder starting at `pos` (which holds `{`), or 0.
std::size_t placeholder_length(std::string_view arg, std::size_t pos) {
    std::size_t end = pos + 1;
    while (end < arg.size() && ((arg[end] >= 'a' && arg[end] <= 'z') || arg[end] == '_')) {
        ++end;
    }
    if (end == pos + 1 || end >= arg.size() || arg[end] != '}') {
        return 0;
    }
    return end - pos + 1;
}

std::optional<std::string_view> value_of(std::string_view name, const PlaceholderValues& values) {
    if (name == "prompt") {
        return values.prompt;
    }
    if (name == "session") {
        return values.session;
    }
    if (name == "workspace") {
        return values.workspace;
    }
    return std::nullopt;
}

} // namespace

const std::vector<std::string>& placeholder_names() {
    static const std::vector<std::string> names{"prompt", "session", "workspace"};
    return names;
}

std::vector<std::string> placeholders_in(std::string_view arg) {
    std::vector<std::string> names;
    for (std::size_t pos = arg.find('{'); pos != std::string_view::npos;
         pos = arg.find('{', pos + 1)) {
        if (const std::size_t length = placeholder_length(arg, pos); length != 0) {
            names.emplace_back(arg.substr(pos + 1, length - 2));
            pos += length - 1;
        }
    }
    return names;
}

std::string expand_placeholders(std::string_view arg, const PlaceholderValues& values) {
    std::string out;
    out.reserve(arg.size());
    std::size_t pos = 0;
    while (pos < arg.size()) {
        if (arg[pos] == '{') {
            if (const std::size_t length = placeholder_length(arg, pos); length != 0) {
                if (auto value = value_of(arg.substr(pos + 1, length - 2), values)) {
                    out += *value;
                    pos += length;
                    continue;
                }
            }
        }
        out += arg[pos++];
    }
    return out;
}

} // namespace forgebot::agent
