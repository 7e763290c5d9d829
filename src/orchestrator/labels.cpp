// Connections to configured forges, label targeting, and the in-progress label.
#include "orchestrator/labels.hpp"

#include "agent/manifest.hpp"
#include "forge/client.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/secret_file.hpp"

namespace forgebot::orchestrator {

namespace {

constexpr std::string_view k_agent_prefix = "forgebot:";
constexpr std::string_view k_bottle_prefix = "forgebot-bottle:";

} // namespace

std::optional<Target> target_from_labels(const std::vector<std::string>& labels) {
    std::optional<Target> target;
    std::optional<std::string> bottle;
    for (const auto& label : labels) {
        if (label.starts_with(k_bottle_prefix)) {
            const auto name = label.substr(k_bottle_prefix.size());
            if (!bottle && agent::is_valid_name(name)) {
                bottle = name;
            }
            continue;
        }
        if (!label.starts_with(k_agent_prefix) || label == k_in_progress_label ||
            label == k_needs_human_label) {
            continue;
        }
        const auto name = label.substr(k_agent_prefix.size());
        if (!target && agent::is_valid_name(name)) {
            target = Target{name, std::nullopt};
        }
    }
    if (target) {
        target->bottle = bottle;
    }
    return target;
}

bottle::ForgeConnection forge_connection(const Config& config, const std::string& name) {
    const auto& entry = find_forge(config, name);
    if (!entry.token_file) {
        throw Error(Errc::invalid_input,
                    "forge " + name + " has no token_file in " +
                        (config.file ? config.file->string() : default_config_path().string()));
    }
    bottle::ForgeConnection connection;
    connection.name = entry.name;
    connection.kind = entry.kind;
    connection.api_url = entry.api_url;
    connection.token = util::read_secret_file(*entry.token_file, "token_file");
    return connection;
}

std::unique_ptr<forge::Forge> open_forge(const bottle::ForgeConnection& connection,
                                         const std::string& owner, const std::string& repo) {
    forge::ForgeConfig config;
    config.kind = connection.kind;
    config.api_url = connection.api_url;
    config.owner = owner;
    config.repo = repo;
    config.token = connection.token;
    return forge::make_forge(config);
}

void set_in_progress(const std::string& forge, const std::string& owner, const std::string& repo,
                     std::int64_t number, bool on) {
    try {
        const auto client = open_forge(forge_connection(load_config(), forge), owner, repo);
        if (on) {
            client->add_label(number, std::string(k_in_progress_label));
        } else {
            client->remove_label(number, std::string(k_in_progress_label));
        }
    } catch (const std::exception& e) {
        util::log(util::LogLevel::warn, std::string("cannot ") + (on ? "add" : "remove") +
                                            " label " + std::string(k_in_progress_label) + " on " +
                                            owner + "/" + repo + "#" + std::to_string(number) +
                                            ": " + e.what());
    }
}

} // namespace forgebot::orchestrator
