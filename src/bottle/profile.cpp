// Bottle profiles: parsing `bottles/NAME.toml` and merging the profiles a run names.
#include "bottle/profile.hpp"

#include "agent/manifest.hpp"
#include "util/error.hpp"
#include "util/toml_support.hpp"
#include "util/xdg.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace forgebot::bottle {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_keys{"backend", "network", "ro", "rw", "env"};

template <class T> void append_unique(std::vector<T>& to, const std::vector<T>& from) {
    for (const auto& item : from) {
        if (std::find(to.begin(), to.end(), item) == to.end()) {
            to.push_back(item);
        }
    }
}

std::vector<fs::path> read_binds(const std::string& display, std::string_view key,
                                 const toml::node& node) {
    std::vector<fs::path> out;
    const auto texts = util::toml_string_array(display, key, node);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        std::string text = texts[i];
        if (text.starts_with("~/")) {
            const char* home = std::getenv("HOME");
            if (home == nullptr) {
                util::fail_toml_key(display, node.source(), key,
                                    "cannot expand ~ in " + text + ": HOME is not set");
            }
            text = std::string(home) + text.substr(1);
        }
        fs::path path(text);
        if (!path.is_absolute()) {
            util::fail_toml_key(display, node.as_array()->get(i)->source(), key,
                                "expected absolute paths, got " +
                                    util::describe_toml(*node.as_array()->get(i)));
        }
        out.push_back(path.lexically_normal());
    }
    return out;
}

} // namespace

std::string_view backend_name(BackendKind kind) noexcept {
    return kind == BackendKind::bwrap ? "bwrap" : "process";
}

std::optional<BackendKind> parse_backend(std::string_view name) noexcept {
    if (name == "process") {
        return BackendKind::process;
    }
    if (name == "bwrap") {
        return BackendKind::bwrap;
    }
    return std::nullopt;
}

fs::path profiles_dir() {
    return util::config_home() / "forgebot" / "bottles";
}

BottleProfile parse_profile(std::string_view toml_text, std::string_view name,
                            const fs::path& file) {
    const std::string display = file.string();
    const auto table = util::parse_toml(toml_text, display);
    BottleProfile profile;
    profile.names.emplace_back(name);
    for (auto&& [key, node] : table) {
        const std::string_view k = key.str();
        if (k == "backend") {
            const auto* text = node.as_string();
            const auto kind = text != nullptr ? parse_backend(text->get()) : std::nullopt;
            if (!kind) {
                util::fail_toml_key(display, node.source(), k,
                                    "expected \"process\" or \"bwrap\", got " +
                                        util::describe_toml(node));
            }
            profile.backend = kind;
        } else if (k == "network") {
            if (const auto* flag = node.as_boolean()) {
                profile.network = flag->get();
            } else if (const auto* text = node.as_string();
                       text != nullptr && (text->get() == "on" || text->get() == "off")) {
                profile.network = text->get() == "on";
            } else {
                util::fail_toml_key(display, node.source(), k,
                                    "expected \"on\" or \"off\", got " + util::describe_toml(node));
            }
        } else if (k == "ro") {
            profile.ro = read_binds(display, k, node);
        } else if (k == "rw") {
            profile.rw = read_binds(display, k, node);
        } else if (k == "env") {
            profile.env = util::toml_string_array(display, k, node);
        } else {
            util::fail_unknown_toml_key(display, key, k_keys);
        }
    }
    return profile;
}

BottleProfile load_profile(std::string_view name, const fs::path& dir) {
    if (!agent::is_valid_name(name)) {
        throw Error(Errc::invalid_input,
                    "invalid bottle name '" + std::string(name) + "': use a-z, 0-9, '-' and '_'");
    }
    const fs::path file = dir / (std::string(name) + ".toml");
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        if (errno != ENOENT) {
            throw Error(Errc::io, "cannot read " + file.string() + ": " + std::strerror(errno));
        }
        if (name == "default") {
            BottleProfile profile;
            profile.names.emplace_back("default");
            return profile;
        }
        throw Error(Errc::not_found,
                    "no bottle profile named " + std::string(name) + ": create " + file.string());
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return parse_profile(text, name, file);
}

BottleProfile load_profiles(const std::vector<std::string>& names, const fs::path& dir) {
    if (names.empty()) {
        return load_profile("default", dir);
    }
    BottleProfile merged;
    for (const auto& name : names) {
        const auto profile = load_profile(name, dir);
        merged.names.push_back(name);
        if (profile.backend) {
            merged.backend = profile.backend;
        }
        merged.network = merged.network && profile.network;
        append_unique(merged.ro, profile.ro);
        append_unique(merged.rw, profile.rw);
        append_unique(merged.env, profile.env);
    }
    return merged;
}

} // namespace forgebot::bottle
