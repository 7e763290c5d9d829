// Built-in agents, and loading and validating user agent manifests with toml++.
#include "agent/manifest.hpp"

#include "agent/placeholder.hpp"
#include "util/error.hpp"
#include "util/suggest.hpp"
#include "util/text.hpp"
#include "util/toml_support.hpp"
#include "util/xdg.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

namespace forgebot::agent {

namespace {

const std::vector<std::string> k_keys{"provider", "model",         "args",    "allowed_tools",
                                      "preamble", "bottle",        "timeout", "env",
                                      "command",  "resume_command"};

constexpr std::string_view k_file_prefix = "file:";

bool is_env_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

/// Reads one manifest's keys, raising errors that name the file, line and key.
class ManifestReader {
public:
    ManifestReader(std::string_view name, const std::filesystem::path& file)
        : m_file(file), m_display(file.string()) {
        m_manifest.name = std::string(name);
        m_manifest.file = file;
    }

    AgentManifest read(std::string_view toml_text) {
        const toml::table table = util::parse_toml(toml_text, m_display);
        read_provider(table);
        for (auto&& [key, node] : table) {
            read_key(key, node);
        }
        check_command(table);
        return std::move(m_manifest);
    }

private:
    [[noreturn]] void fail_at(const toml::source_region& where, std::string_view key,
                              const std::string& problem) const {
        util::fail_toml_key(m_display, where, key, problem);
    }

    void read_provider(const toml::table& table) {
        const toml::node* node = table.get("provider");
        if (node == nullptr) {
            throw Error(Errc::invalid_input,
                        m_display + ": missing key 'provider': set it to claude, codex or command");
        }
        const auto* text = node->as_string();
        const auto kind = text != nullptr ? parse_provider(text->get()) : std::nullopt;
        if (!kind) {
            std::string problem = "expected one of \"claude\", \"codex\", \"command\", got " +
                                  util::describe_toml(*node);
            if (text != nullptr) {
                if (auto guess = util::closest(text->get(), {"claude", "codex", "command"})) {
                    problem += " (did you mean \"" + *guess + "\"?)";
                }
            }
            fail_at(node->source(), "provider", problem);
        }
        m_manifest.provider = *kind;
    }

    void read_key(const toml::key& key, const toml::node& node) {
        const std::string_view name = key.str();
        const bool is_command = m_manifest.provider == ProviderKind::command;
        if (name == "provider") {
            return; // read first, by read_provider
        }
        if (name == "model" || name == "args" || name == "allowed_tools") {
            if (is_command) {
                fail_at(key.source(), name,
                        "not used by provider \"command\": write the whole argv in 'command'");
            }
            if (name == "model") {
                m_manifest.model = non_empty_string(name, node);
            } else if (name == "args") {
                m_manifest.args = string_array(name, node);
            } else {
                m_manifest.allowed_tools = string_array(name, node);
                for (const auto& tool : m_manifest.allowed_tools) {
                    if (tool.empty()) {
                        fail_at(node.source(), name, "a tool name is empty");
                    }
                }
            }
        } else if (name == "preamble") {
            m_manifest.preamble = read_preamble(node);
        } else if (name == "bottle") {
            m_manifest.bottle = non_empty_string(name, node);
            if (!is_valid_name(m_manifest.bottle)) {
                fail_at(node.source(), name,
                        "expected a bottle name (a-z, 0-9, '-', '_'), got " +
                            util::describe_toml(node));
            }
        } else if (name == "timeout") {
            m_manifest.timeout = read_timeout(node);
        } else if (name == "env") {
            m_manifest.env = string_array(name, node);
            for (std::size_t i = 0; i < m_manifest.env.size(); ++i) {
                if (!is_env_name(m_manifest.env[i])) {
                    fail_at(node.as_array()->get(i)->source(), name,
                            "expected names of environment variables, got " +
                                util::quote_text(m_manifest.env[i]));
                }
            }
        } else if (name == "command" || name == "resume_command") {
            if (!is_command) {
                fail_at(key.source(), name, "only used by provider \"command\"");
            }
            auto argv = string_array(name, node);
            if (argv.empty() || argv.front().empty()) {
                fail_at(node.source(), name, "expected a program followed by its arguments");
            }
            (name == "command" ? m_manifest.command : m_manifest.resume_command) = std::move(argv);
        } else {
            util::fail_unknown_toml_key(m_display, key, k_keys);
        }
    }

    std::string non_empty_string(std::string_view key, const toml::node& node) const {
        return util::toml_non_empty_string(m_display, key, node);
    }

    std::vector<std::string> string_array(std::string_view key, const toml::node& node) const {
        return util::toml_string_array(m_display, key, node);
    }

    std::string read_preamble(const toml::node& node) const {
        const auto* text = node.as_string();
        if (text == nullptr) {
            fail_at(node.source(), "preamble",
                    "expected text or \"file:PATH\", got " + util::describe_toml(node));
        }
        const std::string& value = text->get();
        if (!value.starts_with(k_file_prefix)) {
            return value;
        }
        std::filesystem::path path = value.substr(k_file_prefix.size());
        if (path.empty()) {
            fail_at(node.source(), "preamble", "\"file:\" needs a path after it");
        }
        if (path.is_relative()) {
            path = m_file.parent_path() / path;
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            fail_at(node.source(), "preamble",
                    "cannot read " + path.string() + ": " + std::strerror(errno));
        }
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    std::chrono::seconds read_timeout(const toml::node& node) const {
        return util::toml_duration(m_display, "timeout", node);
    }

    void check_template(const toml::table& table, std::string_view key, bool is_resume) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return;
        }
        bool has_prompt = false;
        for (const auto& arg : (is_resume ? m_manifest.resume_command : m_manifest.command)) {
            for (const auto& placeholder : placeholders_in(arg)) {
                const auto& known = placeholder_names();
                if (std::find(known.begin(), known.end(), placeholder) == known.end()) {
                    fail_at(node->source(), key,
                            "unknown placeholder {" + placeholder +
                                "}: use {prompt}, {session} or {workspace}");
                }
                if (placeholder == "session" && !is_resume) {
                    fail_at(node->source(), key,
                            "{session} is only known when resuming: use it in 'resume_command'");
                }
                has_prompt = has_prompt || placeholder == "prompt";
            }
        }
        if (!has_prompt) {
            fail_at(node->source(), key, "must contain {prompt} where the prompt goes");
        }
    }

    void check_command(const toml::table& table) const {
        if (m_manifest.provider != ProviderKind::command) {
            return;
        }
        if (m_manifest.command.empty()) {
            throw Error(Errc::invalid_input,
                        m_display + ": missing key 'command': provider \"command\" needs an argv "
                                    "template such as [\"my-agent\", \"--prompt\", \"{prompt}\"]");
        }
        check_template(table, "command", false);
        check_template(table, "resume_command", true);
    }

    std::filesystem::path m_file;
    std::string m_display;
    AgentManifest m_manifest;
};

AgentManifest builtin(std::string name, ProviderKind kind, std::vector<std::string> env) {
    AgentManifest manifest;
    manifest.name = std::move(name);
    manifest.provider = kind;
    manifest.env = std::move(env);
    return manifest;
}

} // namespace

std::string_view provider_name(ProviderKind kind) noexcept {
    switch (kind) {
    case ProviderKind::claude:
        return "claude";
    case ProviderKind::codex:
        return "codex";
    case ProviderKind::command:
        return "command";
    }
    return "command";
}

std::optional<ProviderKind> parse_provider(std::string_view name) noexcept {
    for (auto kind : {ProviderKind::claude, ProviderKind::codex, ProviderKind::command}) {
        if (provider_name(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

bool is_valid_name(std::string_view name) noexcept {
    const auto lower_or_digit = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (name.empty() || !lower_or_digit(name[0])) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [&](char c) { return lower_or_digit(c) || c == '-' || c == '_'; });
}

std::filesystem::path agents_dir() {
    return util::config_home() / "forgebot" / "agents";
}

std::vector<AgentManifest> builtin_manifests() {
    return {
        builtin("claude", ProviderKind::claude, {"ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"}),
        builtin("codex", ProviderKind::codex, {"OPENAI_API_KEY", "CODEX_API_KEY"}),
    };
}

AgentManifest parse_manifest(std::string_view toml_text, std::string_view name,
                             const std::filesystem::path& file) {
    return ManifestReader(name, file).read(toml_text);
}

AgentManifest load_manifest_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int error = errno;
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            throw Error(Errc::not_found, "no agent manifest at " + file.string());
        }
        throw Error(Errc::io, "cannot read " + file.string() + ": " + std::strerror(error));
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        throw Error(Errc::io, "cannot read " + file.string());
    }
    return parse_manifest(text, file.stem().string(), file);
}

AgentManifest load_manifest(std::string_view name, const std::filesystem::path& dir) {
    if (!is_valid_name(name)) {
        throw Error(Errc::invalid_input,
                    "invalid agent name " + util::quote_text(name) +
                        ": use lowercase letters, digits, '-' and '_', starting with a letter or "
                        "digit");
    }
    const auto file = dir / (std::string(name) + ".toml");
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
        return load_manifest_file(file);
    }
    for (auto& manifest : builtin_manifests()) {
        if (manifest.name == name) {
            return std::move(manifest);
        }
    }
    std::vector<std::string> known;
    for (const auto& entry : list_manifests(dir)) {
        known.push_back(entry.name);
    }
    std::string message = "no agent named '" + std::string(name) + "'";
    if (auto guess = util::closest(name, known)) {
        message += " (did you mean '" + *guess + "'?)";
    }
    message += ": agents are " + util::join(known, ", ") + "; add one as " + file.string();
    throw Error(Errc::not_found, message);
}

AgentManifest load_manifest(std::string_view name) {
    return load_manifest(name, agents_dir());
}

std::vector<ManifestEntry> list_manifests(const std::filesystem::path& dir) {
    std::map<std::string, ManifestEntry> entries;
    for (const auto& manifest : builtin_manifests()) {
        entries[manifest.name] = ManifestEntry{manifest.name, std::nullopt, false};
    }
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto& path = it->path();
        const std::string stem = path.stem().string();
        std::error_code type_ec;
        if (path.extension() != ".toml" || !is_valid_name(stem) || !it->is_regular_file(type_ec)) {
            continue;
        }
        const bool overrides = entries.contains(stem);
        entries[stem] = ManifestEntry{stem, path, overrides};
    }
    std::vector<ManifestEntry> out;
    for (auto& [name, entry] : entries) {
        out.push_back(std::move(entry));
    }
    return out;
}

std::vector<ManifestEntry> list_manifests() {
    return list_manifests(agents_dir());
}

std::string compose_prompt(const AgentManifest& manifest, std::string_view prompt) {
    if (manifest.preamble.empty()) {
        return std::string(prompt);
    }
    std::string out = manifest.preamble;
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    out += "\n\n";
    out += prompt;
    return out;
}

} // namespace forgebot::agent
