// Loading and validating the orchestrator's config.toml with toml++.
#include "orchestrator/config.hpp"

#include "agent/manifest.hpp"
#include "util/error.hpp"
#include "util/http_server.hpp"
#include "util/suggest.hpp"
#include "util/text.hpp"
#include "util/toml_support.hpp"
#include "util/xdg.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace forgebot::orchestrator {

namespace {

const std::vector<std::string> k_keys{
    "org", "allowlist", "kill_switch", "max_concurrent", "watchdog_timeout", "listen", "forges"};
const std::vector<std::string> k_forge_keys{"name", "kind", "api_url", "token_file",
                                            "webhook_secret_file"};
const std::vector<std::string> k_kinds{"gitea", "forgejo", "github"};

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

/// Whether `name` can be an owner or a repository name on the forges: letters, digits, '-',
/// '_' and '.', but not "." or "..".
bool is_forge_name_part(std::string_view name) {
    if (name.empty() || name == "." || name == "..") {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

bool is_repo_slug(std::string_view slug) {
    const auto slash = slug.find('/');
    return slash != std::string_view::npos && is_forge_name_part(slug.substr(0, slash)) &&
           is_forge_name_part(slug.substr(slash + 1));
}

/// Whether `text` is `ADDR:PORT` with a port in 1-65535 and an address that is a name, an IPv4
/// address, or a bracketed IPv6 address.
bool is_listen_address(std::string_view text) {
    try {
        return util::parse_listen_address(text).port >= 1;
    } catch (const Error&) {
        return false;
    }
}

/// Reads one configuration's keys, raising errors that name the file, line and key.
class ConfigReader {
public:
    explicit ConfigReader(const std::filesystem::path& file)
        : m_display(file.string()), m_base(base_of(file)) {
        m_config.file = file;
    }

    Config read(std::string_view toml_text) {
        const toml::table table = util::parse_toml(toml_text, m_display);
        for (auto&& [key, node] : table) {
            read_key(key, node);
        }
        return std::move(m_config);
    }

private:
    static std::filesystem::path base_of(const std::filesystem::path& file) {
        std::error_code ec;
        auto absolute = std::filesystem::absolute(file, ec);
        return (ec ? file : absolute).parent_path();
    }

    [[noreturn]] void fail_at(const toml::node& node, std::string_view key,
                              const std::string& problem) const {
        util::fail_toml_key(m_display, node.source(), key, problem);
    }

    void read_key(const toml::key& key, const toml::node& node) {
        const std::string_view name = key.str();
        if (name == "org") {
            m_config.org = util::toml_non_empty_string(m_display, name, node);
            if (!is_forge_name_part(m_config.org)) {
                fail_at(node, name,
                        "expected an organization name (letters, digits, '-', '_', '.'), got " +
                            util::describe_toml(node));
            }
        } else if (name == "allowlist") {
            m_config.allowlist = util::toml_string_array(m_display, name, node);
            for (std::size_t i = 0; i < m_config.allowlist.size(); ++i) {
                if (!is_repo_slug(m_config.allowlist[i])) {
                    fail_at(*node.as_array()->get(i), name,
                            "expected repositories as \"owner/name\", got " +
                                util::quote_text(m_config.allowlist[i]));
                }
            }
        } else if (name == "kill_switch") {
            const auto* flag = node.as_boolean();
            if (flag == nullptr) {
                fail_at(node, name, "expected true or false, got " + util::describe_toml(node));
            }
            m_config.kill_switch = flag->get();
        } else if (name == "max_concurrent") {
            const auto* number = node.as_integer();
            if (number == nullptr || number->get() <= 0 || number->get() > INT_MAX) {
                fail_at(node, name,
                        "expected a positive integer, got " + util::describe_toml(node));
            }
            m_config.max_concurrent = static_cast<int>(number->get());
        } else if (name == "watchdog_timeout") {
            m_config.watchdog_timeout = util::toml_duration(m_display, name, node);
        } else if (name == "listen") {
            const auto* text = node.as_string();
            if (text == nullptr || !is_listen_address(text->get())) {
                fail_at(node, name,
                        "expected \"ADDR:PORT\" with a port from 1 to 65535, such as "
                        "\"127.0.0.1:8765\", got " +
                            util::describe_toml(node));
            }
            m_config.listen = text->get();
        } else if (name == "forges") {
            read_forges(node);
        } else {
            util::fail_unknown_toml_key(m_display, key, k_keys);
        }
    }

    void read_forges(const toml::node& node) {
        const auto* array = node.as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            fail_at(node, "forges", "expected [[forges]] tables, got " + util::describe_toml(node));
        }
        for (const auto& element : *array) {
            const auto& table = *element.as_table();
            ForgeEntry entry = read_forge(table);
            for (const auto& other : m_config.forges) {
                if (other.name == entry.name) {
                    fail_at(*table.get("name"), "forges.name",
                            "duplicate forge name " + util::quote_text(entry.name) +
                                ": each [[forges]] table needs its own name");
                }
            }
            m_config.forges.push_back(std::move(entry));
        }
    }

    ForgeEntry read_forge(const toml::table& table) const {
        ForgeEntry entry;
        for (auto&& [key, node] : table) {
            const std::string_view name = key.str();
            const std::string full = "forges." + std::string(name);
            if (name == "name") {
                entry.name = util::toml_non_empty_string(m_display, full, node);
                if (!agent::is_valid_name(entry.name)) {
                    fail_at(node, full,
                            "expected a name of a-z, 0-9, '-' and '_', starting with a letter "
                            "or digit, got " +
                                util::describe_toml(node));
                }
            } else if (name == "kind") {
                entry.kind = read_kind(full, node);
            } else if (name == "api_url") {
                entry.api_url = read_url(full, node);
            } else if (name == "token_file") {
                entry.token_file = read_path(full, node);
            } else if (name == "webhook_secret_file") {
                entry.webhook_secret_file = read_path(full, node);
            } else {
                util::fail_unknown_toml_key(m_display, key, k_forge_keys, " in [[forges]]");
            }
        }
        require(table, "name", "set it to a short name such as \"codeberg\"");
        require(table, "kind", "set it to \"gitea\", \"forgejo\" or \"github\"");
        require(table, "api_url",
                "set it to the forge's API base, such as \"https://codeberg.org/api/v1\"");
        return entry;
    }

    void require(const toml::table& table, std::string_view key, const std::string& hint) const {
        if (!table.contains(key)) {
            util::fail_toml_key(m_display, table.source(), "forges." + std::string(key),
                                "missing in [[forges]]: " + hint);
        }
    }

    forge::ForgeKind read_kind(std::string_view key, const toml::node& node) const {
        if (const auto* text = node.as_string()) {
            try {
                return forge::parse_forge_kind(text->get());
            } catch (const Error&) {
                std::string problem = "expected one of \"gitea\", \"forgejo\", \"github\", got " +
                                      util::describe_toml(node);
                if (auto guess = util::closest(text->get(), k_kinds)) {
                    problem += " (did you mean \"" + *guess + "\"?)";
                }
                fail_at(node, key, problem);
            }
        }
        fail_at(node, key,
                "expected one of \"gitea\", \"forgejo\", \"github\", got " +
                    util::describe_toml(node));
    }

    std::string read_url(std::string_view key, const toml::node& node) const {
        std::string url = util::toml_non_empty_string(m_display, key, node);
        const std::string_view scheme = istarts_with(url, "https://") ? "https://" : "http://";
        const auto authority_end = url.find('/', scheme.size());
        const std::string authority = url.substr(
            scheme.size(),
            authority_end == std::string::npos ? std::string::npos : authority_end - scheme.size());
        // Rationale: a URL with user:password@ must not be quoted back, so it is checked first.
        if (authority.find('@') != std::string::npos) {
            fail_at(node, key,
                    "must not hold credentials: put the token in a file and name it in "
                    "'token_file'");
        }
        const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
            return static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '?' || c == '#';
        });
        if (!istarts_with(url, scheme) || authority.empty() || !clean) {
            fail_at(node, key,
                    "expected an http(s) URL such as \"https://codeberg.org/api/v1\", got " +
                        util::describe_toml(node));
        }
        while (url.size() > scheme.size() + authority.size() && url.back() == '/') {
            url.pop_back();
        }
        return url;
    }

    std::filesystem::path read_path(std::string_view key, const toml::node& node) const {
        const std::string text = util::toml_non_empty_string(m_display, key, node);
        if (text.starts_with('~')) {
            fail_at(node, key,
                    "'~' is not expanded: write the full path, or one relative to " +
                        m_base.string());
        }
        const std::filesystem::path path(text);
        return path.is_absolute() ? path : m_base / path;
    }

    std::string m_display;
    std::filesystem::path m_base;
    Config m_config;
};

/// Where find_forge tells the user to declare forges.
std::string config_location(const Config& config) {
    if (config.file) {
        return config.file->string();
    }
    try {
        return default_config_path().string();
    } catch (const Error&) {
        return "$XDG_CONFIG_HOME/forgebot/config.toml";
    }
}

} // namespace

std::filesystem::path default_config_path() {
    return util::config_home() / "forgebot" / "config.toml";
}

Config parse_config(std::string_view toml_text, const std::filesystem::path& file) {
    return ConfigReader(file).read(toml_text);
}

Config load_config(const std::optional<std::filesystem::path>& explicit_file) {
    auto file = explicit_file;
    if (!file) {
        if (const char* env = std::getenv("FORGEBOT_CONFIG"); env != nullptr && *env != '\0') {
            file = std::filesystem::path(env);
        }
    }
    const std::filesystem::path path = file ? *file : default_config_path();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::not_found) {
        if (file) {
            throw Error(Errc::not_found, "no configuration file at " + path.string());
        }
        return Config{};
    }
    if (!ec && status.type() != std::filesystem::file_type::regular) {
        throw Error(Errc::invalid_input, path.string() + " is not a regular file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(Errc::io, "cannot read " + path.string() + ": " + std::strerror(errno));
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        throw Error(Errc::io, "cannot read " + path.string());
    }
    return parse_config(text, path);
}

const ForgeEntry& find_forge(const Config& config, std::string_view name) {
    for (const auto& entry : config.forges) {
        if (entry.name == name) {
            return entry;
        }
    }
    std::string message = "no forge named '" + std::string(name) + "'";
    if (config.forges.empty()) {
        message += config.file ? ": none are configured in " + config_location(config) +
                                     "; add a [[forges]] table there"
                               : ": there is no configuration file; create " +
                                     config_location(config) + " with a [[forges]] table";
        throw Error(Errc::not_found, message);
    }
    std::vector<std::string> names;
    for (const auto& entry : config.forges) {
        names.push_back(entry.name);
    }
    if (auto guess = util::closest(name, names)) {
        message += " (did you mean '" + *guess + "'?)";
    }
    message += ": " + config_location(config) + " configures " + util::join(names, ", ");
    throw Error(Errc::not_found, message);
}

bool repo_allowed(const Config& config, std::string_view owner, std::string_view repo) {
    return std::any_of(config.allowlist.begin(), config.allowlist.end(), [&](const auto& entry) {
        const std::string_view slug(entry);
        const auto slash = slug.find('/');
        return slash != std::string_view::npos && iequals(slug.substr(0, slash), owner) &&
               iequals(slug.substr(slash + 1), repo);
    });
}

} // namespace forgebot::orchestrator
